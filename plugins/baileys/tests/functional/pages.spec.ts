import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import AuditLog from '#models/audit_log'
import { driverFor } from '#channels/channel_registry'
import {
  baileysConnection,
  doubles,
  manager,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| The plugin's pages: add a number, the live QR (an SVG drawn on the
| server), pairing by code, "connected" with number and profile name,
| reconnect and log out — per role (admin, supervisor, agent, guest).
*/

test.group('Baileys / connection pages', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('an admin adds a number and sees its QR as an SVG; it turns connected when the phone links', async ({
    client,
    assert,
  }) => {
    useDoubleRuntime()
    doubles.autoLink = false
    const admin = await createUser('admin')
    await baileysConnection('Existente')

    const created = await client
      .post('/baileys/connections')
      .withCsrfToken()
      .form({ name: 'Ventas Quito' })
      .loginAs(admin)
      .redirects(0)
    created.assertStatus(302)
    const connection = await Connection.findByOrFail('name', 'Ventas Quito')
    assert.equal(connection.pluginKey, 'baileys')
    assert.equal(created.header('location'), `/baileys/connections/${connection.id}`)
    await settle(connection)

    const page = await client.get(`/baileys/connections/${connection.id}`).loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Escanee este código')
    assert.include(page.text(), '<svg')
    assert.include(page.text(), 'data-status="waiting_qr"')

    doubles
      .latest(connection.id)
      .phoneLinks({ id: '593987650000:2@s.whatsapp.net', name: 'Ventas Quito SA' })
    await settle(connection)
    await settle(connection)
    const state = await client.get(`/baileys/connections/${connection.id}/state`).loginAs(admin)
    state.assertStatus(200)
    state.assertTextIncludes('+593987650000')
    state.assertTextIncludes('Ventas Quito SA')
    assert.notInclude(state.text(), '<svg')

    const list = await client.get('/baileys').loginAs(admin)
    list.assertTextIncludes('Ventas Quito')
    list.assertTextIncludes('Existente')
  })

  test('pairing by phone code while the QR is shown; refused with a message otherwise', async ({
    client,
    assert,
  }) => {
    useDoubleRuntime()
    doubles.autoLink = false
    const admin = await createUser('admin')
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    const response = await client
      .post(`/baileys/connections/${connection.id}/pairing-code`)
      .withCsrfToken()
      .form({ phone: '+593 99 765 4321' })
      .loginAs(admin)
    response.assertTextIncludes('CHSQ4PR1')

    const invalid = await client
      .post(`/baileys/connections/${connection.id}/pairing-code`)
      .withCsrfToken()
      .form({ phone: 'abc' })
      .loginAs(admin)
    assert.notInclude(invalid.text(), 'CHSQ4PR2')

    await manager().disconnect(connection.id)
    const refused = await client
      .post(`/baileys/connections/${connection.id}/pairing-code`)
      .withCsrfToken()
      .form({ phone: '+593997654321' })
      .loginAs(admin)
    refused.assertTextIncludes('El código solo se puede pedir mientras se muestra el QR.')
  })

  test('a supervisor reconnects and logs out a number', async ({ client, assert }) => {
    useDoubleRuntime()
    const supervisor = await createUser('supervisor')
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)

    await client
      .post(`/baileys/connections/${connection.id}/reconnect`)
      .withCsrfToken()
      .loginAs(supervisor)
    await settle(connection)
    assert.equal(doubles.count(connection.id), 2)

    const out = await client
      .post(`/baileys/connections/${connection.id}/logout`)
      .withCsrfToken()
      .loginAs(supervisor)
    out.assertTextIncludes('Número desvinculado.')
    await connection.refresh()
    assert.equal(connection.status, 'logged_out')
    assert.lengthOf(await db.from('baileys_auth_creds').where('connection_id', connection.id), 0)
    const state = await client
      .get(`/baileys/connections/${connection.id}/state`)
      .loginAs(supervisor)
    state.assertTextIncludes('Sesión cerrada desde Chasqui')
    assert.exists(AuditLog)
  })

  test('groups can be enabled per connection', async ({ client, assert }) => {
    useDoubleRuntime()
    const admin = await createUser('admin')
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    await client
      .post(`/baileys/connections/${connection.id}/groups`)
      .withCsrfToken()
      .form({ enabled: 'true' })
      .loginAs(admin)
    const row = await db.from('baileys_sessions').where('connection_id', connection.id).first()
    assert.isTrue(row.groups_enabled)
    assert.isTrue(manager().session(connection.id)!.groupsEnabled)
  })

  test('agents get 403 on every page and action; guests go to login', async ({
    client,
    assert,
  }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    const agent = await createUser('agent')
    const id = connection.id
    const requests = [
      () => client.get('/baileys'),
      () => client.get(`/baileys/connections/${id}`),
      () => client.get(`/baileys/connections/${id}/state`),
      () => client.post('/baileys/connections').withCsrfToken().form({ name: 'X' }),
      () => client.post(`/baileys/connections/${id}/connect`).withCsrfToken(),
      () => client.post(`/baileys/connections/${id}/reconnect`).withCsrfToken(),
      () => client.post(`/baileys/connections/${id}/logout`).withCsrfToken(),
      () =>
        client
          .post(`/baileys/connections/${id}/pairing-code`)
          .withCsrfToken()
          .form({ phone: '+593997654321' }),
      () =>
        client.post(`/baileys/connections/${id}/groups`).withCsrfToken().form({ enabled: 'true' }),
    ]
    for (const request of requests) {
      const response = await request().loginAs(agent).redirects(0)
      response.assertStatus(403)
      const guest = await request().redirects(0)
      guest.assertStatus(302)
      guest.assertHeader('location', '/login')
    }
    assert.lengthOf(await Connection.query().where('name', 'X'), 0)
    assert.equal(doubles.count(id), 0)
  })

  test("another plugin's connection is not a Baileys page", async ({ client }) => {
    useDoubleRuntime()
    const admin = await createUser('admin')
    await baileysConnection()
    const other = await Connection.create({
      pluginKey: 'test_channel',
      name: 'Otra',
      status: 'connected',
      settings: {},
      knownClientsOnly: false,
      isActive: true,
    })
    const response = await client.get(`/baileys/connections/${other.id}`).loginAs(admin)
    response.assertStatus(404)
  })
})
