import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import Department from '#models/department'
import pluginHost from '#plugin_host/plugin_host'
import channelRegistry from '#channels/channel_registry'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection } from '#tests/helpers/conversation_fixtures'

/*
| The Connections page: every connection of every channel plugin with its
| state, for connections.operate / connections.manage (admin, supervisor).
*/

test.group('Connections page', (group) => {
  group.each.setup(() => resetDatabase())

  test('admins and supervisors see every connection with its translated state', async ({
    client,
  }) => {
    await createConnection({ name: 'Cobranzas', status: 'connected', phoneE164: '+593991000001' })
    await createConnection({
      name: 'Ventas',
      status: 'logged_out',
      statusReason: 'logged out from the phone',
    })
    await channelRegistry.forPlugin('sandbox').createConnection({ name: 'Demo <b>x</b>' })
    await pluginHost.enable('sandbox', null)

    for (const role of ['admin', 'supervisor']) {
      const user = await createUser(role)
      const page = await client.get('/connections').loginAs(user)
      page.assertStatus(200)
      page.assertTextIncludes('Cobranzas')
      page.assertTextIncludes('+593991000001')
      page.assertTextIncludes('Conectada')
      page.assertTextIncludes('Sesión cerrada')
      page.assertTextIncludes('logged out from the phone')
      page.assertTextIncludes('Demo &lt;b&gt;x&lt;/b&gt;')
      page.assertTextIncludes('Canal de prueba')
      page.assertTextIncludes('href="/connections"')
    }
  })

  test('htmx refresh gets only the table, in English for an English user', async ({ client }) => {
    await createConnection({ name: 'Cobranzas', status: 'waiting_qr' })
    const admin = await createUser('admin', { locale: 'en' })
    const fragment = await client.get('/connections').header('HX-Request', 'true').loginAs(admin)
    fragment.assertStatus(200)
    fragment.assertTextIncludes('Waiting for QR')
    fragment.assertTextIncludes('Channel disabled')
    fragment.assertTextIncludes('data-test="connections"')
  })

  test('agents are refused; guests go to login', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const refused = await client.get('/connections').loginAs(agent)
    refused.assertStatus(403)
    const home = await client.get('/').loginAs(agent)
    assert.notInclude(home.text(), 'href="/connections"')

    const guest = await client.get('/connections').redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })
})

test.group('Connections / settings', (group) => {
  group.each.setup(() => resetDatabase())

  test('an administrator saves messages, hours, department and agents (audited)', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent', { fullName: 'Lucía Agente' })
    const department = await Department.create({ name: 'Cobranzas', isActive: true })
    const connection = await createConnection({ name: 'Principal' })

    const form = await client.get(`/connections/${connection.id}/edit`).loginAs(admin)
    form.assertStatus(200)
    form.assertTextIncludes('Lucía Agente')
    form.assertTextIncludes('Horario de atención')

    const saved = await client
      .put(`/connections/${connection.id}`)
      .withCsrfToken()
      .form({
        'welcomeMessage': '¡Bienvenido!',
        'farewellMessage': 'Gracias',
        'outOfHoursMessage': 'Volvemos a las 8',
        'defaultDepartmentId': String(department.id),
        'agentIds[]': [String(agent.id)],
        'hours[mon][from]': '08:00',
        'hours[mon][to]': '17:00',
        'hours[tue][from]': '08:00',
      })
      .loginAs(admin)
      .redirects(0)
    saved.assertStatus(302)

    await connection.refresh()
    assert.equal(connection.welcomeMessage, '¡Bienvenido!')
    assert.equal(connection.outOfHoursMessage, 'Volvemos a las 8')
    assert.equal(connection.defaultDepartmentId, department.id)
    assert.deepEqual(connection.businessHours, { days: { mon: [{ from: '08:00', to: '17:00' }] } })
    const agents = await db.from('connection_agents').where('connection_id', connection.id)
    assert.deepEqual(
      agents.map((row) => row.user_id),
      [agent.id]
    )
    const audit = await db.from('audit_logs').where('action', 'connection.settings_updated')
    assert.lengthOf(audit, 1)
  })

  test('a bad time is refused and nothing is saved', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const connection = await createConnection()
    await client
      .put(`/connections/${connection.id}`)
      .withCsrfToken()
      .form({ 'welcomeMessage': 'Hola', 'hours[mon][from]': '25:99' })
      .loginAs(admin)
      .redirects(0)
    const fresh = await Connection.findOrFail(connection.id)
    assert.isNull(fresh.welcomeMessage)
  })

  test('new-contact limits are saved and shown with their use; bad numbers are refused', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const connection = await createConnection()
    await client
      .put(`/connections/${connection.id}`)
      .withCsrfToken()
      .form({ newContactsPerHour: '20', newContactsPerDay: '150' })
      .loginAs(admin)
      .redirects(0)
    let fresh = await Connection.findOrFail(connection.id)
    assert.equal(fresh.newContactsPerHour, 20)
    assert.equal(fresh.newContactsPerDay, 150)
    const page = await client.get(`/connections/${connection.id}/edit`).loginAs(admin)
    page.assertTextIncludes('Usados ahora: 0 en la última hora, 0 en el último día.')

    const refused = await client
      .put(`/connections/${connection.id}`)
      .withCsrfToken()
      .form({ newContactsPerHour: '0', newContactsPerDay: 'muchos' })
      .loginAs(admin)
      .redirects(0)
    refused.assertStatus(302)
    refused.assertFlashMessage('inputErrorsBag', {
      newContactsPerHour: ['El campo Máximo por hora debe ser al menos 1.'],
      newContactsPerDay: ['El campo Máximo por día debe ser un número.'],
    })
    fresh = await Connection.findOrFail(connection.id)
    assert.equal(fresh.newContactsPerHour, 20)

    // Emptied: no limit.
    await client
      .put(`/connections/${connection.id}`)
      .withCsrfToken()
      .form({ newContactsPerHour: '', newContactsPerDay: '' })
      .loginAs(admin)
      .redirects(0)
    fresh = await Connection.findOrFail(connection.id)
    assert.isNull(fresh.newContactsPerHour)
    assert.isNull(fresh.newContactsPerDay)
  })

  test('supervisors and agents cannot edit; guests go to login', async ({ client }) => {
    const connection = await createConnection()
    for (const role of ['supervisor', 'agent']) {
      const user = await createUser(role)
      const edit = await client.get(`/connections/${connection.id}/edit`).loginAs(user)
      edit.assertStatus(403)
      const update = await client
        .put(`/connections/${connection.id}`)
        .withCsrfToken()
        .form({ welcomeMessage: 'x' })
        .loginAs(user)
      update.assertStatus(403)
    }
    const guest = await client.get(`/connections/${connection.id}/edit`).redirects(0)
    guest.assertHeader('location', '/login')
  })
})
