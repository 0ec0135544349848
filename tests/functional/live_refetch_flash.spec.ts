import { test } from '@japa/runner'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

test.group('Flash messages and live refetches', (group) => {
  group.each.setup(() => resetDatabase())

  test('a refetch caused by a live signal hands the flash message on to the next page', async ({
    client,
  }) => {
    const agent = await createUser('agent')
    const live = await client
      .get('/notifications/bell')
      .header('HX-Request', 'true')
      .header('X-Chasqui-Live', '1')
      .withFlashMessages({ success: 'La transferencia fue aprobada.' })
      .loginAs(agent)
    live.assertStatus(200)
    live.assertFlashMessage('success', 'La transferencia fue aprobada.')
  })

  test('any other request uses the message up, as before', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const ordinary = await client
      .get('/notifications/bell')
      .header('HX-Request', 'true')
      .withFlashMessages({ success: 'La transferencia fue aprobada.' })
      .loginAs(agent)
    ordinary.assertStatus(200)
    assert.isUndefined(ordinary.flashMessages()?.success)
  })
})
