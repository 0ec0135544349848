import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import ingest, { nextStatus } from '#channels/ingest_service'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import Message from '#models/message'
import type Connection from '#models/connection'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver } from '#tests/helpers/fake_channel_driver'

/** An agent's message that went out through the dispatcher as `externalId`. */
async function sentMessage(connection: Connection, externalId: string) {
  const agent = await createUser('agent')
  const { conversationId } = await receive(connection)
  const { message } = await outbound.submit({
    conversationId,
    authorUserId: agent.id,
    kind: 'text',
    body: 'Listo',
  })
  await new OutboxDispatcher({
    resolveDriver: () => new FakeChannelDriver(() => externalId),
  }).runOnce()
  await message.refresh()
  return message
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 15, minute))

test.group('Status ordering · the rule', () => {
  test('{0} then {1} gives {2}')
    .with([
      ['queued', 'sent', 'sent'],
      ['sent', 'delivered', 'delivered'],
      ['sent', 'read', 'read'],
      ['delivered', 'read', 'read'],
      ['read', 'delivered', null],
      ['read', 'sent', null],
      ['delivered', 'sent', null],
      ['read', 'read', null],
      ['queued', 'failed', 'failed'],
      ['sent', 'failed', 'failed'],
      ['delivered', 'failed', null],
      ['read', 'failed', null],
      ['failed', 'sent', null],
      ['failed', 'delivered', 'delivered'],
      ['failed', 'read', 'read'],
      ['sent', 'played', null],
    ] as const)
    .run(({ assert }, [current, incoming, expected]) => {
      assert.equal(nextStatus(current, incoming), expected)
    })

  test('inbound messages have no delivery status to move', ({ assert }) => {
    assert.isNull(nextStatus(null, 'read'))
  })
})

test.group('Status ordering · ingest.status()', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('sent → delivered → read moves forward with timestamps and one event each', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await sentMessage(connection, 'wamid.S1')
    const events = emitter.fake()

    assert.isTrue(
      (
        await ingest.status(connection.id, {
          externalId: 'wamid.S1',
          status: 'delivered',
          at: at(1),
        })
      ).applied
    )
    assert.isTrue(
      (await ingest.status(connection.id, { externalId: 'wamid.S1', status: 'read', at: at(2) }))
        .applied
    )

    await message.refresh()
    assert.equal(message.status, 'read')
    assert.equal(message.deliveredAt!.toMillis(), at(1).getTime())
    assert.equal(message.readAt!.toMillis(), at(2).getTime())
    events.assertEmittedCount('conversation:message_status', 2)
  })

  test('read then a late delivered stays read, and the late one emits nothing', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await sentMessage(connection, 'wamid.S2')
    await ingest.status(connection.id, { externalId: 'wamid.S2', status: 'read', at: at(5) })
    const events = emitter.fake()

    const late = await ingest.status(connection.id, {
      externalId: 'wamid.S2',
      status: 'delivered',
      at: at(4),
    })

    assert.isFalse(late.applied)
    assert.equal(late.messageId, message.id)
    await message.refresh()
    assert.equal(message.status, 'read')
    // Read implies delivered: filled with the read time when delivered never came first.
    assert.equal(message.deliveredAt!.toMillis(), at(5).getTime())
    assert.equal(events.size(), 0)
  })

  test('a failed after read is ignored; a failed after sent records the provider reason', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const read = await sentMessage(connection, 'wamid.R')
    await ingest.status(connection.id, { externalId: 'wamid.R', status: 'read', at: at(1) })
    const ignored = await ingest.status(connection.id, {
      externalId: 'wamid.R',
      status: 'failed',
      at: at(2),
      errorCode: '131000',
      errorReason: 'Something went wrong',
    })
    assert.isFalse(ignored.applied)
    await read.refresh()
    assert.equal(read.status, 'read')
    assert.isNull(read.failureCode)

    const failing = await sentMessage(connection, 'wamid.F')
    const events = emitter.fake()
    const applied = await ingest.status(connection.id, {
      externalId: 'wamid.F',
      status: 'failed',
      at: at(3),
      errorCode: '131047',
      errorReason: 'Re-engagement message',
    })
    assert.isTrue(applied.applied)
    await failing.refresh()
    assert.equal(failing.status, 'failed')
    assert.equal(failing.failureCode, '131047')
    assert.equal(failing.failureReason, 'Re-engagement message')
    events.assertEmitted(
      'conversation:message_status',
      ({ data }) => data.status === 'failed' && data.previousStatus === 'sent'
    )

    // Meta's `sent` for the same message arriving after its `failed` does not undo the failure.
    assert.isFalse(
      (await ingest.status(connection.id, { externalId: 'wamid.F', status: 'sent', at: at(2) }))
        .applied
    )
    await failing.refresh()
    assert.equal(failing.status, 'failed')
  })

  test('a repeated status is a no-op and unknown messages are ignored', async ({ assert }) => {
    const connection = await createConnection()
    const message = await sentMessage(connection, 'wamid.D')
    await ingest.status(connection.id, { externalId: 'wamid.D', status: 'delivered', at: at(1) })
    const before = await db.from('messages').where('id', message.id).first()
    const events = emitter.fake()

    const again = await ingest.status(connection.id, {
      externalId: 'wamid.D',
      status: 'delivered',
      at: at(9),
    })
    const unknown = await ingest.status(connection.id, {
      externalId: 'wamid.NOPE',
      status: 'read',
      at: at(9),
    })
    const other = await createConnection()
    const wrongConnection = await ingest.status(other.id, {
      externalId: 'wamid.D',
      status: 'read',
      at: at(9),
    })

    assert.isFalse(again.applied)
    assert.deepEqual(unknown, { applied: false, messageId: null })
    assert.isFalse(wrongConnection.applied)
    assert.deepEqual(await db.from('messages').where('id', message.id).first(), before)
    assert.equal(events.size(), 0)
  })

  test('statuses of inbound messages change nothing', async ({ assert }) => {
    const connection = await createConnection()
    const inbound = await receive(connection, { externalId: 'wamid.IN' })
    const result = await ingest.status(connection.id, {
      externalId: 'wamid.IN',
      status: 'read',
      at: at(1),
    })
    assert.isFalse(result.applied)
    assert.isNull((await Message.findOrFail(inbound.messageId)).status)
  })
})
