import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import ingest, { InvalidInboundError, UnknownConnectionError } from '#channels/ingest_service'
import { insertIntoKnownChat } from '#channels/inbound_store'
import type { MessageBatchOutcome, NormalizedInboundMessage } from '#channels/ingest_port'
import { resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText } from '#tests/helpers/conversation_fixtures'

function results(outcomes: MessageBatchOutcome[]) {
  return outcomes.map((outcome) => {
    if (!outcome.ok) throw outcome.error
    return outcome.result
  })
}

async function conversationOf(id: number) {
  return db.from('conversations').where('id', id).firstOrFail()
}

test.group('Ingest · batches of messages (messages())', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('a batch stores each message once, in order, with the same counters and events as one by one', async ({
    assert,
  }) => {
    const connection = await createConnection()
    // Ana has an open chat already; Beto is new.
    const opening = inboundText({
      waId: '593990000001',
      name: 'Ana',
      at: new Date(Date.now() - 1000),
    })
    const first = await ingest.message(connection.id, opening)
    const events = emitter.fake()
    const base = Date.now()
    const batch: NormalizedInboundMessage[] = [
      inboundText({ waId: '593990000001', name: 'Ana', body: 'uno', at: new Date(base + 1000) }),
      inboundText({ waId: '593990000002', name: 'Beto', body: 'hola', at: new Date(base + 1500) }),
      inboundText({ waId: '593990000001', name: 'Ana', body: 'dos', at: new Date(base + 2000) }),
      inboundText({ waId: '593990000002', name: 'Beto', body: 'sigo', at: new Date(base + 2500) }),
    ]

    const stored = results(await ingest.messages(connection.id, batch))

    assert.deepEqual(
      stored.map((result) => result.duplicate),
      [false, false, false, false]
    )
    assert.equal(stored[0].conversationId, first.conversationId)
    assert.equal(stored[2].conversationId, first.conversationId)
    assert.isFalse(stored[0].opened)
    assert.isTrue(stored[1].opened)
    assert.isFalse(stored[3].opened)
    assert.equal(stored[1].conversationId, stored[3].conversationId)

    const ana = await conversationOf(first.conversationId)
    assert.equal(ana.unread_count, 3)
    assert.equal(ana.pending_count, 3)
    assert.equal(ana.last_message_preview, 'dos')
    assert.equal(new Date(ana.last_message_at).getTime(), base + 2000)
    const beto = await conversationOf(stored[1].conversationId)
    assert.equal(beto.unread_count, 2)
    assert.equal(beto.last_message_preview, 'sigo')

    const bodies = await db
      .from('messages')
      .where('conversation_id', first.conversationId)
      .orderBy('created_at')
      .select('body')
    assert.deepEqual(
      bodies.map((row) => row.body),
      [opening.body, 'uno', 'dos']
    )
    events.assertEmittedCount('conversation:message_received', 4)
    events.assertEmitted(
      'conversation:message_received',
      ({ data }) => data.messageId === stored[1].messageId && data.opened
    )
  })

  test('redeliveries in a batch (stored before, or twice in it) are duplicates: stored once, no event', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const old = inboundText({ waId: '593990000001' })
    const before = await ingest.message(connection.id, old)
    const fresh = inboundText({ waId: '593990000001' })
    const events = emitter.fake()

    const stored = results(await ingest.messages(connection.id, [old, fresh, fresh]))

    assert.isTrue(stored[0].duplicate)
    assert.equal(stored[0].messageId, before.messageId)
    assert.isFalse(stored[1].duplicate)
    assert.isTrue(stored[2].duplicate)
    assert.equal(stored[2].messageId, stored[1].messageId)
    const [{ total }] = await db.from('messages').count('* as total')
    assert.equal(Number(total), 2)
    assert.equal((await conversationOf(before.conversationId)).unread_count, 2)
    events.assertEmittedCount('conversation:message_received', 1)
  })

  test('one bad message is its own failure; the others are stored', async ({ assert }) => {
    const connection = await createConnection()
    const good = inboundText({ waId: '593990000001' })
    const bad = { ...inboundText({ waId: '593990000002' }), at: new Date('nope') }
    const alsoGood = inboundText({ waId: '593990000003' })

    const outcomes = await ingest.messages(connection.id, [good, bad, alsoGood])

    assert.isTrue(outcomes[0].ok)
    assert.isFalse(outcomes[1].ok)
    assert.instanceOf(!outcomes[1].ok && outcomes[1].error, InvalidInboundError)
    assert.isTrue(outcomes[2].ok)
    const [{ total }] = await db.from('messages').count('* as total')
    assert.equal(Number(total), 2)
  })

  test('a plugin cannot report a batch for a connection it does not own: every message fails, nothing stored', async ({
    assert,
  }) => {
    const connection = await createConnection({ pluginKey: 'one_channel' })
    await ingest.message(connection.id, inboundText({ waId: '593990000001' }))
    const outcomes = await ingest
      .forPlugin('other_channel')
      .messages(connection.id, [
        inboundText({ waId: '593990000001' }),
        inboundText({ waId: '593990000002' }),
      ])
    assert.deepEqual(
      outcomes.map((outcome) => !outcome.ok && outcome.error instanceof UnknownConnectionError),
      [true, true]
    )
    const [{ total }] = await db.from('messages').count('* as total')
    assert.equal(Number(total), 1)
  })

  test('a chat resolved after the batch read it: the message opens a new chat instead', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const first = await ingest.message(connection.id, inboundText({ waId: '593990000001' }))
    await db.from('conversations').where('id', first.conversationId).update({ state: 'resolved' })
    const message = inboundText({ waId: '593990000001' })
    const row = {
      conversation_id: first.conversationId,
      connection_id: connection.id,
      direction: 'in' as const,
      kind: 'text',
      body: 'x',
      media_path: null,
      media_mime: null,
      media_size: null,
      media_filename: null,
      media_sha256: null,
      media_provider_id: null,
      status: null,
      sent_at: null,
      delivered_at: null,
      read_at: null,
      failed_at: null,
      external_id: message.externalId,
      reply_to_external_id: null,
      historical: false,
      metadata: '{}',
      created_at: message.at,
    }
    const activity = {
      at: message.at,
      kind: 'text' as const,
      direction: 'in' as const,
      body: 'x',
      historical: false,
    }

    // The one-round-trip insert refuses a chat that is no longer the open one…
    const refused = await db.transaction((trx) =>
      insertIntoKnownChat(trx, first.contactId, null, row, activity)
    )
    assert.deepEqual(refused, { outcome: 'moved' })
    await db.from('conversations').where('id', first.conversationId).update({ state: 'new' })
    // …says "duplicate" for a stored message, and refuses another plugin's connection.
    const storedId = (await db.from('messages').firstOrFail()).external_id
    const duplicate = await db.transaction((trx) =>
      insertIntoKnownChat(trx, first.contactId, null, { ...row, external_id: storedId }, activity)
    )
    assert.deepEqual(duplicate, { outcome: 'duplicate' })
    await assert.rejects(
      () =>
        db.transaction((trx) =>
          insertIntoKnownChat(trx, first.contactId, 'another', row, activity)
        ),
      UnknownConnectionError
    )

    // Through the port: a resolved chat is never written to; a new one opens.
    await db.from('conversations').where('id', first.conversationId).update({ state: 'resolved' })
    const [stored] = results(
      await ingest.messages(connection.id, [message, inboundText({ waId: '593990000001' })])
    )
    assert.notEqual(stored.conversationId, first.conversationId)
    assert.isTrue(stored.opened)
    assert.equal((await conversationOf(first.conversationId)).unread_count, 1)
  })
})
