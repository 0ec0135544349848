import { test } from '@japa/runner'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

test.group('Front-end assets served by the app (no CDN)', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    await createUser('admin')
  })

  test('htmx 2, Alpine and the Transmit client come from node_modules', async ({
    client,
    assert,
  }) => {
    const htmx = await client.get('/vendor/htmx.min.js')
    htmx.assertStatus(200)
    assert.include(htmx.text(), '2.0.11')
    const alpine = await client.get('/vendor/alpine.min.js')
    alpine.assertStatus(200)
    const transmit = await client.get('/vendor/transmit.js')
    transmit.assertStatus(200)
    assert.include(transmit.text(), 'Transmit')
    assert.include(String(htmx.header('cache-control')), 'max-age=86400')
  })

  test('our own scripts are revalidated on every load', async ({ client, assert }) => {
    const live = await client.get('/vendor/live.js')
    live.assertStatus(200)
    assert.equal(live.header('cache-control'), 'no-cache')
    assert.exists(live.header('etag'))
  })

  test('only whitelisted files can be fetched', async ({ client }) => {
    const response = await client.get('/vendor/..%2Fpackage.json')
    response.assertStatus(404)
    const other = await client.get('/vendor/package.json')
    other.assertStatus(404)
  })
})
