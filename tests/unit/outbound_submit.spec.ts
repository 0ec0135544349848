import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import outbound, { OutboundError } from '#channels/outbound_service'
import Conversation from '#models/conversation'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

async function count(table: string) {
  const [row] = await db.from(table).count('* as total')
  return Number(row.total)
}

test.group('OutboundService.submit', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('stores the message as queued with its outbox row and takes the chat into progress', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    const { conversationId } = await receive(connection)
    const events = emitter.fake()

    const { message, created } = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      clientId: 'draft-1',
      kind: 'text',
      body: 'Buenos días, ¿en qué le ayudo?',
    })

    assert.isTrue(created)
    assert.equal(message.status, 'queued')
    assert.equal(message.direction, 'out')
    assert.equal(message.authorUserId, agent.id)
    const outbox = await db.from('outbox').where('message_id', message.id).firstOrFail()
    assert.equal(outbox.state, 'pending')
    assert.equal(outbox.conversation_id, conversationId)
    const conversation = await Conversation.findOrFail(conversationId)
    assert.equal(conversation.state, 'in_progress')
    assert.equal(conversation.pendingCount, 0)
    assert.isNotNull(conversation.firstResponseAt)
    assert.equal(conversation.lastMessagePreview, 'Buenos días, ¿en qué le ayudo?')
    assert.equal(conversation.lastMessageDirection, 'out')
    events.assertEmittedCount('conversation:message_submitted', 1)
  })

  test('the same clientId twice (double click, retried POST) gives one message', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    const { conversationId } = await receive(connection)
    const input = {
      conversationId,
      authorUserId: agent.id,
      clientId: 'draft-7',
      kind: 'text' as const,
      body: 'Hola',
    }
    const events = emitter.fake()

    const first = await outbound.submit(input)
    const again = await outbound.submit(input)
    const raced = await Promise.all(
      [1, 2, 3].map(() => outbound.submit({ ...input, clientId: 'draft-8' }))
    )

    assert.isFalse(again.created)
    assert.equal(again.message.id, first.message.id)
    assert.equal(raced.filter((r) => r.created).length, 1)
    assert.equal(new Set(raced.map((r) => r.message.id)).size, 1)
    assert.equal(await count('messages'), 3) // the inbound one + two agent messages
    assert.equal(await count('outbox'), 2)
    events.assertEmittedCount('conversation:message_submitted', 2)

    // Another agent may use the same key: keys are per author.
    const other = await createUser('agent')
    assert.isTrue((await outbound.submit({ ...input, authorUserId: other.id })).created)
  })

  test('a private note is stored but never queued, and does not answer the customer', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    const { conversationId } = await receive(connection, { body: 'Necesito mi saldo' })
    const events = emitter.fake()

    const { message } = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      clientId: 'note-1',
      kind: 'note',
      body: 'Cliente con mora, revisar antes de responder',
    })

    assert.equal(message.kind, 'note')
    assert.isNull(message.status)
    assert.equal(await count('outbox'), 0)
    const conversation = await Conversation.findOrFail(conversationId)
    assert.equal(conversation.state, 'new')
    assert.equal(conversation.pendingCount, 1)
    assert.equal(conversation.lastMessagePreview, 'Necesito mi saldo')
    events.assertEmitted('conversation:message_submitted', ({ data }) => data.note)
  })

  test('a bot reply answers (pending drops) but is not a human first response', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const { conversationId } = await receive(connection)
    await outbound.submit({
      conversationId,
      authorUserId: null,
      kind: 'text',
      body: 'Menú: 1) Saldo 2) Agente',
    })
    const conversation = await Conversation.findOrFail(conversationId)
    assert.equal(conversation.pendingCount, 0)
    assert.isNull(conversation.firstResponseAt)
    assert.equal(conversation.state, 'new')
  })

  test('writing into a resolved chat reopens it, unless a newer one is open', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    const first = await receive(connection)
    await Conversation.query()
      .where('id', first.conversationId)
      .update({ state: 'resolved', resolved_at: new Date() })

    await outbound.submit({
      conversationId: first.conversationId,
      authorUserId: agent.id,
      kind: 'text',
      body: 'Seguimiento',
    })
    let conversation = await Conversation.findOrFail(first.conversationId)
    assert.equal(conversation.state, 'in_progress')
    assert.isNull(conversation.resolvedAt)

    await Conversation.query()
      .where('id', first.conversationId)
      .update({ state: 'resolved', resolved_at: new Date() })
    const newer = await receive(connection)
    const refusal = await outbound
      .submit({
        conversationId: first.conversationId,
        authorUserId: agent.id,
        kind: 'text',
        body: 'Otra vez',
      })
      .catch((error) => error)
    assert.instanceOf(refusal, OutboundError)
    assert.equal(refusal.code, 'open_elsewhere')
    assert.equal(refusal.details.conversationId, newer.conversationId)
    conversation = await Conversation.findOrFail(first.conversationId)
    assert.equal(conversation.state, 'resolved')
  })

  test('invalid input is refused with a stable code ({0})')
    .with([
      ['empty_message', { kind: 'text', body: '   ' }],
      ['missing_media', { kind: 'image', body: 'foto' }],
      ['invalid_kind', { kind: 'system', body: 'x' }],
      ['reply_not_found', { kind: 'text', body: 'x', replyToMessageId: 999999 }],
    ] as const)
    .run(async ({ assert }, [code, input]) => {
      const connection = await createConnection()
      const { conversationId } = await receive(connection)
      const error = await outbound
        .submit({ conversationId, authorUserId: null, ...(input as any) })
        .catch((e) => e)
      assert.instanceOf(error, OutboundError)
      assert.equal(error.code, code)
      assert.equal(await count('outbox'), 0)
    })

  test('media messages keep their file for the driver', async ({ assert }) => {
    const connection = await createConnection()
    const { conversationId, messageId } = await receive(connection)
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: null,
      kind: 'document',
      body: 'Su estado de cuenta',
      media: {
        path: 'media/2026/11/estado.pdf',
        mime: 'application/pdf',
        size: 52_000,
        filename: 'estado.pdf',
      },
      replyToMessageId: messageId,
    })
    assert.equal(message.mediaPath, 'media/2026/11/estado.pdf')
    assert.equal(message.mediaFilename, 'estado.pdf')
    assert.equal(message.replyToMessageId, messageId)
  })
})
