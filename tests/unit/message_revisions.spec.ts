import { test } from '@japa/runner'
import emitter from '@adonisjs/core/services/emitter'
import ingest, { InvalidInboundError, UnknownConnectionError } from '#channels/ingest_service'
import Message from '#models/message'
import Conversation from '#models/conversation'
import { resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText } from '#tests/helpers/conversation_fixtures'

/*
| ingest.revision(): a sender's edit or deletion for everyone, reported
| after the message was stored. Nothing is erased; repeats change nothing.
*/

test.group('Ingest · revisions (edits and deletions)', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('an edit replaces the text, keeps the earlier one, and tells the open chat once', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const original = inboundText({ body: 'Pago el lunes' })
    const stored = await ingest.message(connection.id, original)
    const events = emitter.fake()
    const at = new Date('2026-11-30T10:00:00Z')

    const first = await ingest.revision(connection.id, {
      externalId: original.externalId,
      body: ' Pago el martes ',
      at,
    })
    const again = await ingest.revision(connection.id, {
      externalId: original.externalId,
      body: 'Pago el martes',
      at,
    })

    assert.deepEqual(first, { applied: true, messageId: stored.messageId })
    assert.deepEqual(again, { applied: false, messageId: stored.messageId })
    const message = await Message.findOrFail(stored.messageId)
    assert.equal(message.body, 'Pago el martes')
    assert.deepEqual((message.metadata as any).edits, [
      { body: 'Pago el lunes', replacedAt: at.toISOString() },
    ])
    const conversation = await Conversation.findOrFail(stored.conversationId)
    assert.equal(conversation.lastMessagePreview, 'Pago el martes', 'the chat list reads the edit')
    events.assertEmittedCount('conversation:message_updated', 1)
    events.assertEmitted(
      'conversation:message_updated',
      ({ data }) => data.messageId === stored.messageId
    )

    // An edit of an older message leaves the list's line to the newest one.
    await ingest.message(
      connection.id,
      inboundText({ body: 'Otra cosa', at: new Date(Date.now() + 1000) })
    )
    await ingest.revision(connection.id, {
      externalId: original.externalId,
      body: 'Pago el miércoles',
      at,
    })
    await conversation.refresh()
    assert.equal(conversation.lastMessagePreview, 'Otra cosa')
  })

  test('a deletion marks the message and keeps its text; later edits change nothing', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const original = inboundText({ body: 'Mi clave es 1234' })
    const stored = await ingest.message(connection.id, original)
    const at = new Date()

    assert.isTrue(
      (await ingest.revision(connection.id, { externalId: original.externalId, revoked: true, at }))
        .applied
    )
    assert.isFalse(
      (await ingest.revision(connection.id, { externalId: original.externalId, revoked: true, at }))
        .applied
    )
    assert.isFalse(
      (await ingest.revision(connection.id, { externalId: original.externalId, body: 'otra', at }))
        .applied
    )
    const message = await Message.findOrFail(stored.messageId)
    assert.equal(message.body, 'Mi clave es 1234')
    assert.equal((message.metadata as any).revokedAt, at.toISOString())
    assert.isUndefined((message.metadata as any).edits)
  })

  test('unknown messages, bad input and foreign connections change nothing', async ({ assert }) => {
    const connection = await createConnection()
    const mine = inboundText({ body: 'hola' })
    await ingest.message(connection.id, mine)
    const events = emitter.fake()

    assert.deepEqual(
      await ingest.revision(connection.id, {
        externalId: 'wamid.never-seen',
        body: 'x',
        at: new Date(),
      }),
      { applied: false, messageId: null }
    )
    await assert.rejects(
      () => ingest.revision(connection.id, { externalId: mine.externalId, at: new Date() }),
      InvalidInboundError
    )
    await assert.rejects(
      () =>
        ingest.revision(connection.id, {
          externalId: mine.externalId,
          body: 'x',
          at: new Date('nope'),
        }),
      InvalidInboundError
    )
    await assert.rejects(
      () =>
        ingest
          .forPlugin('another_plugin')
          .revision(connection.id, { externalId: mine.externalId, body: 'x', at: new Date() }),
      UnknownConnectionError
    )
    assert.equal((await Message.findByOrFail('external_id', mine.externalId)).body, 'hola')
    events.assertNotEmitted('conversation:message_updated')
  })
})
