import { test } from '@japa/runner'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

test.group('Error pages', (group) => {
  group.each.setup(() => resetDatabase())

  test('an unknown URL answers a translated 404 page, not a server error', async ({ client }) => {
    await createUser('admin')
    const response = await client.get('/no-such-page')
    response.assertStatus(404)
    response.assertTextIncludes('La página que buscas no existe.')
  })

  test('a logged-in user sees the 404 in their own language', async ({ client }) => {
    const user = await createUser('agent', { locale: 'en' })
    const response = await client.get('/no-such-page').loginAs(user)
    response.assertStatus(404)
    response.assertTextIncludes('does not exist')
  })

  test('JSON clients get the translated message as JSON', async ({ client }) => {
    await createUser('admin')
    const response = await client.get('/no-such-page').header('accept', 'application/json')
    response.assertStatus(404)
    response.assertBodyContains({ error: 'La página que buscas no existe.' })
  })

  test('an htmx request with a stale CSRF token asks the page to reload', async ({ client }) => {
    const user = await createUser('agent')
    const response = await client
      .put('/account/locale')
      .loginAs(user)
      .header('hx-request', 'true')
      .form({ locale: 'en' })
    response.assertStatus(403)
    response.assertHeader('hx-refresh', 'true')
  })
})
