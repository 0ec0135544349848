import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import Connection from '#models/connection'
import outbound from '#channels/outbound_service'
import { driverFor } from '#channels/channel_registry'
import {
  baileysConnection,
  doubles,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| The ban-risk guard for QR numbers: the plugin's settings are the
| new-contact limits each new number starts with; the core's guard
| (app/channels/new_contact_guard.ts) holds messages to people who never
| wrote past that limit, in the outbox, and tells admins. Nothing is lost.
*/

test.group('Baileys / ban-risk guard', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('a number added from the page starts with the plugin’s new-contact limits', async ({
    client,
    assert,
  }) => {
    useDoubleRuntime()
    const admin = await createUser('admin')
    await baileysConnection('Existente')
    await pluginHost.saveSettings(
      'baileys',
      { values: { newContactsPerHour: '7', newContactsPerDay: '40' } },
      null
    )
    await client
      .post('/baileys/connections')
      .withCsrfToken()
      .form({ name: 'Cobranzas' })
      .loginAs(admin)
      .redirects(0)
    const connection = await Connection.findByOrFail('name', 'Cobranzas')
    assert.equal(connection.newContactsPerHour, 7)
    assert.equal(connection.newContactsPerDay, 40)
  })

  test('past the limit a message to a new contact waits; one who wrote first goes out', async ({
    assert,
  }) => {
    useDoubleRuntime()
    const agent = await createUser('agent')
    const connection = await baileysConnection()
    await Connection.query().where('id', connection.id).update({ newContactsPerHour: 1 })
    const driver = driverFor(connection)!
    await driver.connect()
    await settle(connection)
    const double = doubles.latest(connection.id)

    // Two people who never wrote: the line opens chats with them.
    const opened = []
    for (const phone of ['593990000101', '593990000102']) {
      const contact = await db
        .table('contacts')
        .insert({
          display_name: phone,
          phone_e164: `+${phone}`,
          wa_id: phone,
          is_active: true,
          created_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id')
      const [conversation] = await db
        .table('conversations')
        .insert({
          connection_id: connection.id,
          contact_id: contact[0].id,
          state: 'pending',
          assigned_user_id: agent.id,
          opened_at: new Date(),
          last_message_at: new Date(),
          created_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id')
      const { message } = await outbound.submit({
        conversationId: conversation.id,
        authorUserId: agent.id,
        clientId: `reach-${phone}`,
        kind: 'text',
        body: 'Hola, le escribimos de la cooperativa',
      })
      opened.push(message)
    }
    // Someone who wrote first is not a reach-out.
    double.upsert([double.customerText({ id: 'W-1', text: 'Hola', phone: '593990000103' })])
    await settle(connection)
    // The upsert is handled on the session's queue and then through the ingest port.
    let replyTo: { id: number } | null = null
    for (let attempt = 0; attempt < 100 && !replyTo; attempt++) {
      replyTo = await db
        .from('conversations')
        .join('contacts', 'contacts.id', 'conversations.contact_id')
        .where('contacts.wa_id', '593990000103')
        .select('conversations.id')
        .first()
      if (!replyTo) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.isNotNull(replyTo, 'the customer who wrote first has a chat')
    const { message: reply } = await outbound.submit({
      conversationId: replyTo!.id,
      authorUserId: agent.id,
      clientId: 'reply-1',
      kind: 'text',
      body: 'Con gusto',
    })

    // The process's own outbox dispatcher sends; wait until the two sendable messages are out.
    const ids = [...opened.map((m) => m.id), reply.id]
    let byId = new Map<number, string>()
    for (let attempt = 0; attempt < 100; attempt++) {
      const rows = await db.from('messages').whereIn('id', ids).select('id', 'status')
      byId = new Map(rows.map((row) => [Number(row.id), row.status]))
      if ([...byId.values()].filter((status) => status === 'sent').length >= 2) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await settle(connection)
    assert.equal(byId.get(reply.id), 'sent')
    const sentFirsts = opened.filter((m) => byId.get(m.id) === 'sent')
    const waiting = opened.filter((m) => byId.get(m.id) === 'queued')
    assert.lengthOf(sentFirsts, 1)
    assert.lengthOf(waiting, 1, 'held in the outbox, not failed')
    assert.lengthOf(double.sent, 2)
    const event = await db
      .from('system_events')
      .where('category', 'connection.new_contact_limit')
      .firstOrFail()
    assert.equal(event.level, 'warning')
  })
})
