import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import outbound from '#channels/outbound_service'
import Connection from '#models/connection'
import Message from '#models/message'
import Conversation from '#models/conversation'
import Contact from '#models/contact'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone from '#plugins/sandbox/sandbox_phone'
import {
  otherPluginConnection,
  runAce,
  waitFor,
} from '#plugins/sandbox/tests/helpers/sandbox_test_helpers'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| The sandbox channel plugin: the customer phone page per role, the ace
| commands, and the process's outbox dispatcher sending through its driver.
*/

const NOT_FOUND = 'La página que buscas no existe.'

async function sandboxConnection(name = 'Demo') {
  return sandboxContext().ports.channels.createConnection({ name })
}

test.group('Sandbox / customer phone page', (group) => {
  group.each.setup(() => resetDatabase())

  test('an administrator opens the phone, creates a customer and writes to the inbox', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('sandbox', null)
    const connection = await sandboxConnection()

    const page = await client.get(`/sandbox/connections/${connection.id}/phone`).loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Teléfono de cliente · Demo')
    page.assertTextIncludes('Elija o cree un cliente para chatear.')

    const created = await client
      .post(`/sandbox/connections/${connection.id}/phone/customers`)
      .withCsrfToken()
      .form({ name: 'Ana Ríos', phone: '+593 99 111 2233' })
      .loginAs(admin)
      .redirects(0)
    created.assertStatus(302)
    const [customer] = await phone.customers(connection.id)
    assert.equal(customer.phone, '+593991112233')
    assert.equal(
      created.header('location'),
      `/sandbox/connections/${connection.id}/phone?customer=${customer.id}`
    )

    const sent = await client
      .post(`/sandbox/connections/${connection.id}/phone/messages`)
      .withCsrfToken()
      .form({ customer: String(customer.id), text: 'Hola, <b>necesito</b> ayuda' })
      .loginAs(admin)
      .redirects(0)
    sent.assertStatus(302)

    const [message] = await Message.query().where('connection_id', connection.id)
    assert.equal(message.body, 'Hola, <b>necesito</b> ayuda')
    assert.equal(message.direction, 'in')

    const chat = await client
      .get(`/sandbox/connections/${connection.id}/phone/thread?customer=${customer.id}`)
      .loginAs(admin)
    chat.assertStatus(200)
    chat.assertTextIncludes('Hola, &lt;b&gt;necesito&lt;/b&gt; ayuda')
  })

  test("the agent's reply reaches the phone; opening the chat marks it read", async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('sandbox', null)
    const connection = await sandboxConnection()
    const customer = await phone.customerFor(connection.id, { name: 'Ana', phone: '+593991112233' })
    const { conversationId } = await phone.customerSays(connection.id, customer, 'Hola')

    // The process's own dispatcher (started at boot) sends through the sandbox driver.
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: admin.id,
      clientId: 'reply-1',
      kind: 'text',
      body: 'Con gusto le ayudo',
    })
    await waitFor(async () => (await Message.findOrFail(message.id)).status !== 'queued')
    await message.refresh()
    assert.oneOf(message.status, ['sent', 'delivered'])

    const chat = await client
      .get(`/sandbox/connections/${connection.id}/phone?customer=${customer.id}`)
      .loginAs(admin)
    chat.assertStatus(200)
    chat.assertTextIncludes('Con gusto le ayudo')
    await message.refresh()
    assert.equal(message.status, 'read')
  })

  test('the failure simulation makes the next send fail for good', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('sandbox', null)
    const connection = await sandboxConnection()
    const response = await client
      .post(`/sandbox/connections/${connection.id}/phone/failure`)
      .withCsrfToken()
      .form({ mode: 'fatal' })
      .loginAs(admin)
      .redirects(0)
    response.assertStatus(302)
    assert.equal(await phone.takeFailure(connection.id), 'fatal')
    assert.isNull(await phone.takeFailure(connection.id))
  })

  test('supervisors and agents are refused; guests go to login', async ({ client }) => {
    await pluginHost.enable('sandbox', null)
    const connection = await sandboxConnection()
    for (const role of ['supervisor', 'agent']) {
      const user = await createUser(role)
      const requests = [
        client.get(`/sandbox/connections/${connection.id}/phone`),
        client.get(`/sandbox/connections/${connection.id}/phone/thread`),
        client
          .post(`/sandbox/connections/${connection.id}/phone/customers`)
          .withCsrfToken()
          .form({ name: 'X', phone: '+593991112233' }),
        client
          .post(`/sandbox/connections/${connection.id}/phone/messages`)
          .withCsrfToken()
          .form({ customer: '1', text: 'x' }),
        client
          .post(`/sandbox/connections/${connection.id}/phone/failure`)
          .withCsrfToken()
          .form({ mode: 'fatal' }),
      ]
      for (const request of requests) {
        const response = await request.loginAs(user).redirects(0)
        response.assertStatus(403)
      }
    }
    const guest = await client.get(`/sandbox/connections/${connection.id}/phone`).redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })

  test("another plugin's connection is not a sandbox phone", async ({ client }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('sandbox', null)
    const other = await otherPluginConnection()
    const response = await client.get(`/sandbox/connections/${other.id}/phone`).loginAs(admin)
    response.assertStatus(404)
  })

  test('while the plugin is disabled its routes are 404', async ({ client }) => {
    const admin = await createUser('admin')
    const connection = await sandboxConnection()
    const response = await client.get(`/sandbox/connections/${connection.id}/phone`).loginAs(admin)
    response.assertStatus(404)
    response.assertTextIncludes(NOT_FOUND)
  })
})

test.group('Sandbox / ace commands', (group) => {
  group.each.setup(() => resetDatabase())

  test('sandbox:connection creates a sandbox connection', async ({ assert }) => {
    await createUser('admin')
    const { exitCode } = await runAce('sandbox:connection', ['--name', 'Demo CLI'])
    assert.equal(exitCode, 0)
    const connection = await Connection.findByOrFail('name', 'Demo CLI')
    assert.equal(connection.pluginKey, 'sandbox')
  })

  test('sandbox:message posts a customer message through the ingest port', async ({ assert }) => {
    await createUser('admin')
    const connection = await sandboxConnection()
    const argv = ['--connection', String(connection.id), '--phone', '+593 99 765 4321']
    const { exitCode } = await runAce('sandbox:message', [
      ...argv,
      '--name',
      'Ana',
      '--text',
      'Hola desde la terminal',
    ])
    assert.equal(exitCode, 0)
    const conversation = await Conversation.query()
      .where('connection_id', connection.id)
      .firstOrFail()
    const contact = await Contact.findOrFail(conversation.contactId)
    assert.equal(contact.phoneE164, '+593997654321')
    assert.equal(conversation.lastMessagePreview, 'Hola desde la terminal')
    const stored = await db.from('sandbox_messages').where('direction', 'in')
    assert.lengthOf(stored, 1)
  })

  test('sandbox:message refuses a connection of another plugin', async ({ assert }) => {
    await createUser('admin')
    const other = await otherPluginConnection()
    const { exitCode } = await runAce('sandbox:message', [
      '--connection',
      String(other.id),
      '--phone',
      '+593997654321',
      '--text',
      'x',
    ])
    assert.equal(exitCode, 1)
    assert.equal(
      await db
        .from('messages')
        .count('* as n')
        .first()
        .then((r) => Number(r.n)),
      0
    )
  })
})

test.group('Sandbox / lines page', (group) => {
  group.each.setup(() => resetDatabase())

  test('an administrator finds the lines in the menu, adds one and lands on its phone', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('sandbox', null)
    const existing = await sandboxConnection()

    const home = await client.get('/').loginAs(admin)
    assert.include(home.text(), 'href="/sandbox"')
    const page = await client.get('/sandbox').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Teléfono de prueba')
    assert.include(page.text(), `/sandbox/connections/${existing.id}/phone`)

    const created = await client
      .post('/sandbox/connections')
      .withCsrfToken()
      .form({ name: 'Capacitación' })
      .loginAs(admin)
      .redirects(0)
    const line = await Connection.query()
      .where('plugin_key', 'sandbox')
      .where('name', 'Capacitación')
      .firstOrFail()
    assert.equal(created.header('location'), `/sandbox/connections/${line.id}/phone`)
    created.assertFlashMessage('success', 'Línea de prueba «Capacitación» creada.')

    const refused = await client
      .post('/sandbox/connections')
      .withCsrfToken()
      .form({ name: '   ' })
      .loginAs(admin)
      .redirects(0)
    refused.assertStatus(302)
    assert.lengthOf(await Connection.query().where('plugin_key', 'sandbox'), 2)
  })

  test('supervisors and agents are refused; guests go to login', async ({ client, assert }) => {
    await pluginHost.enable('sandbox', null)
    for (const role of ['supervisor', 'agent']) {
      const user = await createUser(role)
      ;(await client.get('/sandbox').loginAs(user)).assertStatus(403)
      const post = await client
        .post('/sandbox/connections')
        .withCsrfToken()
        .form({ name: 'X' })
        .loginAs(user)
      post.assertStatus(403)
    }
    const guest = await client.get('/sandbox').redirects(0)
    assert.equal(guest.header('location'), '/login')
    assert.lengthOf(await Connection.query().where('plugin_key', 'sandbox'), 0)
  })
})
