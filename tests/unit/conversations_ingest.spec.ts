import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import ingest, { UnknownConnectionError } from '#channels/ingest_service'
import Conversation from '#models/conversation'
import Contact from '#models/contact'
import Message from '#models/message'
import { resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText } from '#tests/helpers/conversation_fixtures'

async function count(table: string) {
  const [row] = await db.from(table).count('* as total')
  return Number(row.total)
}

test.group('Ingest · inbound messages', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('a customer message creates the contact, opens a conversation and emits one event', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const events = emitter.fake()
    const at = new Date('2026-11-20T15:00:00Z')

    const result = await ingest.message(
      connection.id,
      inboundText({ body: 'Hola, necesito ayuda', at })
    )

    assert.isFalse(result.duplicate)
    assert.isTrue(result.opened)
    const conversation = await Conversation.findOrFail(result.conversationId)
    assert.equal(conversation.state, 'new')
    assert.equal(conversation.unreadCount, 1)
    assert.equal(conversation.pendingCount, 1)
    assert.equal(conversation.lastMessagePreview, 'Hola, necesito ayuda')
    assert.equal(conversation.lastMessageAt.toMillis(), at.getTime())
    assert.equal(conversation.lastInboundAt!.toMillis(), at.getTime())
    const message = await Message.findOrFail(result.messageId)
    assert.equal(message.direction, 'in')
    assert.isNull(message.status)
    assert.equal(message.createdAt.toMillis(), at.getTime())
    const contact = await Contact.findOrFail(result.contactId)
    assert.equal(contact.phoneE164, '+593991234567')
    assert.equal(contact.displayName, 'José Pérez')

    events.assertEmittedCount('conversation:message_received', 1)
    events.assertEmitted(
      'conversation:message_received',
      ({ data }) => data.opened && data.messageId === result.messageId
    )
  })

  test('a duplicate external id changes nothing: no row, no counter, no last_message_at, no event', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const first = inboundText({ at: new Date('2026-11-20T15:00:00Z'), name: 'Ana' })
    const stored = await ingest.message(connection.id, first)
    const before = await db.from('conversations').where('id', stored.conversationId).first()
    const contactBefore = await db.from('contacts').where('id', stored.contactId).first()

    const events = emitter.fake()
    // Redelivered later, even with a newer timestamp and another profile name.
    const again = await ingest.message(connection.id, {
      ...first,
      at: new Date('2026-11-21T09:00:00Z'),
      contact: { ...first.contact, profileName: 'Ana María' },
    })

    assert.isTrue(again.duplicate)
    assert.equal(again.messageId, stored.messageId)
    assert.equal(await count('messages'), 1)
    assert.deepEqual(
      await db.from('conversations').where('id', stored.conversationId).first(),
      before
    )
    assert.deepEqual(await db.from('contacts').where('id', stored.contactId).first(), contactBefore)
    assert.equal(events.size(), 0)
  })

  test('concurrent deliveries of one message store it once and emit once', async ({ assert }) => {
    const connection = await createConnection()
    const message = inboundText()
    const events = emitter.fake()

    const results = await Promise.all(
      [1, 2, 3, 4].map(() => ingest.message(connection.id, message))
    )

    assert.equal(results.filter((r) => !r.duplicate).length, 1)
    assert.equal(new Set(results.map((r) => r.messageId)).size, 1)
    assert.equal(await count('messages'), 1)
    assert.equal(await count('conversations'), 1)
    assert.equal(await count('contacts'), 1)
    const conversation = await Conversation.firstOrFail()
    assert.equal(conversation.unreadCount, 1)
    events.assertEmittedCount('conversation:message_received', 1)
  })

  test('a burst from a new customer lands in one contact and one conversation', async ({
    assert,
  }) => {
    const connection = await createConnection()
    await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        ingest.message(connection.id, inboundText({ waId: '593987654321' }))
      )
    )

    assert.equal(await count('contacts'), 1)
    assert.equal(await count('conversations'), 1)
    const conversation = await Conversation.firstOrFail()
    assert.equal(conversation.unreadCount, 5)
    assert.equal(conversation.pendingCount, 5)
  })

  test('the same external id on two connections is two messages', async ({ assert }) => {
    const one = await createConnection()
    const two = await createConnection()
    const message = inboundText()
    const a = await ingest.message(one.id, message)
    const b = await ingest.message(two.id, message)
    assert.isFalse(b.duplicate)
    assert.notEqual(a.conversationId, b.conversationId)
    assert.equal(a.contactId, b.contactId)
  })

  test('a later message reuses the open conversation; an older one does not move the preview', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const first = await ingest.message(
      connection.id,
      inboundText({ body: 'segundo', at: new Date('2026-11-20T15:05:00Z') })
    )
    const late = await ingest.message(
      connection.id,
      inboundText({ body: 'primero', at: new Date('2026-11-20T15:00:00Z') })
    )

    assert.equal(late.conversationId, first.conversationId)
    assert.isFalse(late.opened)
    const conversation = await Conversation.findOrFail(first.conversationId)
    assert.equal(conversation.lastMessagePreview, 'segundo')
    assert.equal(conversation.lastMessageAt.toJSDate().toISOString(), '2026-11-20T15:05:00.000Z')
    assert.equal(conversation.unreadCount, 2)
  })

  test('a message after resolution opens a new conversation', async ({ assert }) => {
    const connection = await createConnection()
    const first = await ingest.message(connection.id, inboundText())
    await Conversation.query()
      .where('id', first.conversationId)
      .update({ state: 'resolved', resolved_at: new Date() })

    const next = await ingest.message(connection.id, inboundText())
    assert.isTrue(next.opened)
    assert.notEqual(next.conversationId, first.conversationId)
    assert.equal(next.contactId, first.contactId)
  })

  test('replies keep the quoted message; reactions do not count as pending', async ({ assert }) => {
    const connection = await createConnection()
    const original = inboundText({ body: 'original' })
    const stored = await ingest.message(connection.id, original)
    const reply = await ingest.message(
      connection.id,
      inboundText({ body: 'respuesta', replyTo: { externalId: original.externalId } })
    )
    await ingest.message(
      connection.id,
      inboundText({ kind: 'reaction', body: '👍', replyTo: { externalId: original.externalId } })
    )
    const orphan = await ingest.message(
      connection.id,
      inboundText({ replyTo: { externalId: 'wamid.unknown' } })
    )

    const replyRow = await Message.findOrFail(reply.messageId)
    assert.equal(replyRow.replyToMessageId, stored.messageId)
    assert.equal(replyRow.replyToExternalId, original.externalId)
    const orphanRow = await Message.findOrFail(orphan.messageId)
    assert.isNull(orphanRow.replyToMessageId)
    assert.equal(orphanRow.replyToExternalId, 'wamid.unknown')
    const conversation = await Conversation.findOrFail(stored.conversationId)
    assert.equal(conversation.pendingCount, 3)
    assert.equal(conversation.unreadCount, 4)
  })

  test('media, location and unsupported messages are stored with their data', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const image = await ingest.message(
      connection.id,
      inboundText({
        kind: 'image',
        body: 'mi cédula',
        media: { mime: 'image/jpeg', sha256: 'abc=', providerMediaId: '1234', size: 2048 },
      })
    )
    const location = await ingest.message(
      connection.id,
      inboundText({
        kind: 'location',
        body: 'Oficina',
        metadata: { latitude: -0.18, longitude: -78.47 },
      })
    )
    const unsupported = await ingest.message(
      connection.id,
      inboundText({ kind: 'unsupported', body: null, metadata: { type: 'poll' } })
    )

    const imageRow = await Message.findOrFail(image.messageId)
    assert.equal(imageRow.kind, 'image')
    assert.equal(imageRow.mediaProviderId, '1234')
    assert.equal(imageRow.mediaSize, 2048)
    assert.isNull(imageRow.mediaPath)
    assert.deepEqual((await Message.findOrFail(location.messageId)).metadata, {
      latitude: -0.18,
      longitude: -78.47,
    })
    assert.equal((await Message.findOrFail(unsupported.messageId)).kind, 'unsupported')
    const conversation = await Conversation.findOrFail(image.conversationId)
    assert.isNull(conversation.lastMessagePreview)
    assert.equal(conversation.lastMessageKind, 'unsupported')
  })

  test('an outbound message sent from the phone resets the pending count and keeps its status', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const inbound = await ingest.message(connection.id, inboundText())
    const events = emitter.fake()
    const out = await ingest.message(
      connection.id,
      inboundText({ direction: 'out', status: 'delivered', body: 'Le ayudo' })
    )

    assert.equal(out.conversationId, inbound.conversationId)
    const message = await Message.findOrFail(out.messageId)
    assert.equal(message.direction, 'out')
    assert.equal(message.status, 'delivered')
    assert.isNotNull(message.deliveredAt)
    assert.isTrue(message.metadata.sentOutsideChasqui)
    const conversation = await Conversation.findOrFail(inbound.conversationId)
    assert.equal(conversation.pendingCount, 0)
    assert.equal(conversation.unreadCount, 1)
    assert.isNotNull(conversation.firstResponseAt)
    events.assertEmitted('conversation:message_received', ({ data }) => data.direction === 'out')
  })

  test('historical messages are stored quietly and open no work', async ({ assert }) => {
    const connection = await createConnection()
    const events = emitter.fake()

    const a = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date('2026-01-01T10:00:00Z') })
    )
    const b = await ingest.message(
      connection.id,
      inboundText({ historical: true, direction: 'out', at: new Date('2026-01-01T10:05:00Z') })
    )

    assert.equal(a.conversationId, b.conversationId)
    assert.isFalse(a.opened)
    const conversation = await Conversation.findOrFail(a.conversationId)
    assert.equal(conversation.state, 'resolved')
    assert.equal(conversation.unreadCount, 0)
    assert.equal(conversation.pendingCount, 0)
    assert.isTrue((await Message.findOrFail(a.messageId)).historical)
    events.assertNotEmitted('conversation:message_received')
    events.assertEmittedCount('conversation:message_imported', 2)

    // A live message afterwards opens real work.
    const live = await ingest.message(connection.id, inboundText())
    assert.isTrue(live.opened)
    assert.notEqual(live.conversationId, a.conversationId)
    events.assertEmittedCount('conversation:message_received', 1)
  })

  test('history for a contact with an open conversation goes into it without counting', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const live = await ingest.message(
      connection.id,
      inboundText({ at: new Date('2026-11-20T15:00:00Z') })
    )
    const old = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date('2026-11-01T10:00:00Z') })
    )
    assert.equal(old.conversationId, live.conversationId)
    const conversation = await Conversation.findOrFail(live.conversationId)
    assert.equal(conversation.unreadCount, 1)
    assert.equal(conversation.lastMessageAt.toJSDate().toISOString(), '2026-11-20T15:00:00.000Z')
  })

  test('new conversations go to the connection’s default department', async ({ assert }) => {
    const [department] = await db
      .table('departments')
      .insert({
        name: 'Cobranzas',
        is_active: true,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const connection = await createConnection({ defaultDepartmentId: department.id })
    const result = await ingest.message(connection.id, inboundText())
    assert.equal((await Conversation.findOrFail(result.conversationId)).departmentId, department.id)
  })

  test('a plugin can only report for its own connections', async ({ assert }) => {
    const connection = await createConnection({ pluginKey: 'one_channel' })
    await assert.rejects(
      () => ingest.forPlugin('other_channel').message(connection.id, inboundText()),
      UnknownConnectionError
    )
    const result = await ingest.forPlugin('one_channel').message(connection.id, inboundText())
    assert.isFalse(result.duplicate)
    await assert.rejects(() => ingest.message(999999, inboundText()), UnknownConnectionError)
  })
})
