import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import Contact from '#models/contact'
import Conversation from '#models/conversation'
import type Connection from '#models/connection'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver } from '#tests/helpers/fake_channel_driver'

let sequence = 0

/** A chat the business opens itself: the person never wrote on this line. */
async function firstMessageTo(connection: Connection, authorUserId: number) {
  sequence += 1
  const contact = await Contact.create({
    displayName: `Nuevo ${sequence}`,
    phoneE164: `+59399000${String(sequence).padStart(4, '0')}`,
    waId: `59399000${String(sequence).padStart(4, '0')}`,
    isActive: true,
  })
  const conversation = await Conversation.create({
    connectionId: connection.id,
    contactId: contact.id,
    state: 'pending',
    assignedUserId: authorUserId,
    lastMessageAt: DateTime.now(),
    openedAt: DateTime.now(),
  })
  const { message } = await outbound.submit({
    conversationId: conversation.id,
    authorUserId,
    clientId: `new-${sequence}`,
    kind: 'text',
    body: 'Hola, le escribimos de la cooperativa',
  })
  return message
}

test.group('Ban-risk guard: new contacts per connection', (group) => {
  group.each.setup(() => resetDatabase())

  test('beyond the hourly limit, messages to new contacts wait in the outbox; nothing fails', async ({
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const connection = await createConnection({ newContactsPerHour: 2 })
    const driver = new FakeChannelDriver()
    const dispatcher = new OutboxDispatcher({ resolveDriver: () => driver, random: () => 0.5 })

    const messages = [
      await firstMessageTo(connection, agent.id),
      await firstMessageTo(connection, agent.id),
      await firstMessageTo(connection, agent.id),
    ]
    // A customer who wrote first is not a new contact, whatever the count.
    const { conversationId } = await receive(connection, { waId: '593987000111' })
    const reply = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      clientId: 'reply-1',
      kind: 'text',
      body: 'Con gusto',
    })

    await dispatcher.runOnce()
    // Sends run concurrently: which two new contacts go first is not fixed, but only two do.
    const sentIds = driver.sent.map((sent) => sent.messageId)
    assert.include(sentIds, reply.message.id)
    const firsts = messages.filter((message) => sentIds.includes(message.id))
    assert.lengthOf(firsts, 2)
    const held = messages.find((message) => !sentIds.includes(message.id))!
    const approached = firsts[0]

    const waiting = await db.from('outbox').where('message_id', held.id).firstOrFail()
    assert.equal(waiting.state, 'pending')
    assert.equal(waiting.attempts, 0, 'waiting for the limit burns no attempt')
    assert.isAbove(new Date(waiting.next_attempt_at).getTime(), Date.now() + 50 * 60 * 1000)
    const heldRow = await db.from('messages').where('id', held.id).firstOrFail()
    assert.equal(heldRow.status, 'queued')

    const event = await db
      .from('system_events')
      .where('category', 'connection.new_contact_limit')
      .firstOrFail()
    assert.equal(event.level, 'warning')
    const notice = await db
      .from('notifications')
      .where('user_id', admin.id)
      .where('kind', 'new_contact_limit')
      .firstOrFail()
    assert.equal(notice.url, `/connections/${connection.id}/edit`)

    // Still over the limit on the next try: it waits again, and nobody is told twice.
    await db.from('outbox').where('message_id', held.id).update({ next_attempt_at: new Date() })
    await dispatcher.runOnce()
    assert.lengthOf(
      await db.from('system_events').where('category', 'connection.new_contact_limit'),
      1
    )
    assert.lengthOf(await db.from('notifications').where('kind', 'new_contact_limit'), 1)

    // A second message to an already-approached contact is not a new contact.
    await outbound.submit({
      conversationId: approached.conversationId,
      authorUserId: agent.id,
      clientId: 'again-1',
      kind: 'text',
      body: '¿Pudo revisar?',
    })
    await dispatcher.runOnce()
    assert.lengthOf(driver.sent, 4)

    // Once the window frees, the held message goes out by itself.
    await db.from('first_contacts').update({ created_at: new Date(Date.now() - 61 * 60 * 1000) })
    await db.from('outbox').where('message_id', held.id).update({ next_attempt_at: new Date() })
    await dispatcher.runOnce()
    assert.include(
      driver.sent.map((sent) => sent.messageId),
      held.id
    )
  })

  test('the daily limit counts the whole day; no limit means no counting', async ({ assert }) => {
    const agent = await createUser('agent')
    const limited = await createConnection({ newContactsPerDay: 1 })
    const free = await createConnection()
    const driver = new FakeChannelDriver()
    const dispatcher = new OutboxDispatcher({ resolveDriver: () => driver, random: () => 0.5 })

    await db.table('first_contacts').insert({
      connection_id: limited.id,
      contact_id: (await Contact.create({ displayName: 'Ayer', isActive: true })).id,
      created_at: new Date(Date.now() - 5 * 60 * 60 * 1000),
    })
    const held = await firstMessageTo(limited, agent.id)
    const sent = await firstMessageTo(free, agent.id)
    await dispatcher.runOnce()

    assert.deepEqual(
      driver.sent.map((message) => message.messageId),
      [sent.id]
    )
    const row = await db.from('outbox').where('message_id', held.id).firstOrFail()
    assert.isAbove(new Date(row.next_attempt_at).getTime(), Date.now() + 18 * 60 * 60 * 1000)
    assert.lengthOf(await db.from('first_contacts').where('connection_id', free.id), 0)
  })
})
