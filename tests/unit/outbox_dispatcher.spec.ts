import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import outbound from '#channels/outbound_service'
import ingest from '#channels/ingest_service'
import { OutboxDispatcher, type OutboxDispatcherOptions } from '#channels/outbox_dispatcher'
import type Message from '#models/message'
import OutboxEntry from '#models/outbox_entry'
import type Connection from '#models/connection'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver, fatal, retryable } from '#tests/helpers/fake_channel_driver'

function dispatcherWith(
  driver: FakeChannelDriver | null,
  options: Partial<OutboxDispatcherOptions> = {}
) {
  return new OutboxDispatcher({ resolveDriver: () => driver, random: () => 0.5, ...options })
}

async function queueText(connection: Connection, body = 'Buenos días', waId = '593991234567') {
  const agent = await createUser('agent')
  const { conversationId } = await receive(connection, { waId })
  const { message } = await outbound.submit({
    conversationId,
    authorUserId: agent.id,
    clientId: `c-${Math.random()}`,
    kind: 'text',
    body,
  })
  return message
}

/** Makes every pending row due now (instead of waiting out a backoff). */
async function makeDue() {
  await db
    .from('outbox')
    .where('state', 'pending')
    .update({ next_attempt_at: db.raw("now() - interval '1 second'") })
}

async function outboxOf(message: Message) {
  return OutboxEntry.findByOrFail('message_id', message.id)
}

test.group('OutboxDispatcher', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('sends a queued message: external id stored, status sent, outbox done, one event', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver(() => 'wamid.ABC')
    const events = emitter.fake()

    assert.equal(await dispatcherWith(driver).runOnce(), 1)

    assert.lengthOf(driver.sent, 1)
    assert.equal(driver.sent[0].body, 'Buenos días')
    assert.equal(driver.sent[0].to.phoneE164, '+593991234567')
    assert.equal(driver.sent[0].to.waId, '593991234567')
    assert.equal(driver.sent[0].attempt, 1)
    await message.refresh()
    assert.equal(message.externalId, 'wamid.ABC')
    assert.equal(message.status, 'sent')
    assert.isNotNull(message.sentAt)
    const row = await outboxOf(message)
    assert.equal(row.state, 'done')
    assert.equal(row.attempts, 1)
    assert.isNull(row.lockedBy)
    events.assertEmittedCount('conversation:message_status', 1)
    events.assertEmitted(
      'conversation:message_status',
      ({ data }) => data.status === 'sent' && data.previousStatus === 'queued'
    )

    // Nothing left to do.
    assert.equal(await dispatcherWith(driver).runOnce(), 0)
    assert.lengthOf(driver.sent, 1)
  })

  test('receipts that beat the stored id are kept and applied once it is stored', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    // The provider's receipts arrive while send() is still returning its id.
    const driver = new FakeChannelDriver(async () => {
      const at = new Date()
      const early = await ingest.status(connection.id, {
        externalId: 'wamid.FAST',
        status: 'read',
        at,
      })
      assert.isFalse(early.applied)
      await ingest.status(connection.id, { externalId: 'wamid.FAST', status: 'delivered', at })
      return 'wamid.FAST'
    })
    const events = emitter.fake()

    await dispatcherWith(driver).runOnce()

    await message.refresh()
    assert.equal(message.status, 'read')
    assert.isNotNull(message.deliveredAt)
    assert.isNotNull(message.readAt)
    events.assertEmitted('conversation:message_status', ({ data }) => data.status === 'read')
    assert.lengthOf(await db.from('early_statuses'), 0, 'applied and cleared')
  })

  test('a status for an id nobody holds is kept a day at most', async ({ assert }) => {
    const connection = await createConnection()
    await db.table('early_statuses').insert({
      connection_id: connection.id,
      external_id: 'wamid.OLD',
      status: 'delivered',
      at: new Date(),
      created_at: new Date(Date.now() - 25 * 60 * 60 * 1000),
    })
    const result = await ingest.status(connection.id, {
      externalId: 'wamid.NOBODY',
      status: 'delivered',
      at: new Date(),
    })
    assert.isFalse(result.applied)
    const kept = await db.from('early_statuses').select('external_id')
    assert.deepEqual(
      kept.map((row) => row.external_id),
      ['wamid.NOBODY']
    )
  })

  test('a retryable error backs off exponentially, then the message goes out', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver((_, call) => {
      if (call <= 2) throw retryable()
      return 'wamid.OK'
    })
    const dispatcher = dispatcherWith(driver, { baseDelayMs: 10_000, maxDelayMs: 600_000 })

    await dispatcher.runOnce()
    let row = await outboxOf(message)
    assert.equal(row.state, 'pending')
    assert.equal(row.attempts, 1)
    assert.equal(row.lastError, '130429: Rate limit hit')
    // attempt 1 → 10 s base, "equal jitter" with random 0.5 → 7.5 s
    let delay = row.nextAttemptAt.toMillis() - Date.now()
    assert.isAbove(delay, 6000)
    assert.isBelow(delay, 8000)
    await message.refresh()
    assert.equal(message.status, 'queued')

    // Not due yet: nothing is claimed.
    assert.equal(await dispatcher.runOnce(), 0)

    await makeDue()
    await dispatcher.runOnce()
    row = await outboxOf(message)
    assert.equal(row.attempts, 2)
    delay = row.nextAttemptAt.toMillis() - Date.now()
    // attempt 2 → 20 s, jittered to 15 s
    assert.isAbove(delay, 13_000)
    assert.isBelow(delay, 16_000)

    await makeDue()
    await dispatcher.runOnce()
    row = await outboxOf(message)
    assert.equal(row.state, 'done')
    assert.equal(row.attempts, 3)
    await message.refresh()
    assert.equal(message.status, 'sent')
    assert.equal(message.externalId, 'wamid.OK')
    assert.lengthOf(driver.sent, 3)
  })

  test('a provider Retry-After longer than the backoff is respected', async ({ assert }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver(() => {
      throw retryable('131056', 60_000)
    })
    await dispatcherWith(driver, { baseDelayMs: 1000 }).runOnce()
    const row = await outboxOf(message)
    assert.isAbove(row.nextAttemptAt.toMillis() - Date.now(), 55_000)
  })

  test('a fatal error fails the message with the provider reason; no retry', async ({ assert }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver(() => {
      throw fatal('131026', 'Message undeliverable')
    })
    const events = emitter.fake()

    await dispatcherWith(driver).runOnce()

    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.equal(message.failureCode, '131026')
    assert.equal(message.failureReason, 'Message undeliverable')
    assert.isNotNull(message.failedAt)
    assert.equal((await outboxOf(message)).state, 'dead')
    events.assertEmitted(
      'conversation:message_status',
      ({ data }) => data.status === 'failed' && data.failureCode === '131026'
    )
    // Per-message refusals are not system faults.
    assert.equal((await db.from('system_events').count('* as total'))[0].total, '0')

    await makeDue()
    assert.equal(await dispatcherWith(driver).runOnce(), 0)
    assert.lengthOf(driver.sent, 1)
  })

  test('retryable errors up to the last attempt: failed, dead, and a critical system event', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver(() => {
      throw new Error('socket hang up')
    })
    const dispatcher = dispatcherWith(driver, { maxAttempts: 3 })

    for (let round = 0; round < 3; round++) {
      await makeDue()
      await dispatcher.runOnce()
    }

    assert.lengthOf(driver.sent, 3)
    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.equal(message.failureCode, 'driver_error')
    assert.equal(message.failureReason, 'socket hang up')
    const row = await outboxOf(message)
    assert.equal(row.state, 'dead')
    assert.equal(row.attempts, 3)
    const event = await db
      .from('system_events')
      .where('category', 'outbox.send_failed')
      .firstOrFail()
    assert.equal(event.level, 'critical')
    assert.equal(event.context.messageId, message.id)
  })

  test('an agent retry re-queues a failed message and it is sent once more', async ({ assert }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver((_, call) => {
      if (call === 1) throw fatal('131047', 'Re-engagement message')
      return 'wamid.SECOND'
    })
    await dispatcherWith(driver).runOnce()
    await message.refresh()
    assert.equal(message.status, 'failed')

    const supervisor = await createUser('supervisor')
    const events = emitter.fake()
    const retried = await outbound.retry(message.id, supervisor)
    assert.equal(retried.status, 'queued')
    assert.isNull(retried.failureCode)
    events.assertEmitted(
      'conversation:message_status',
      ({ data }) => data.status === 'queued' && data.previousStatus === 'failed'
    )
    const row = await outboxOf(message)
    assert.equal(row.state, 'pending')
    assert.equal(row.attempts, 0)
    const audit = await db.from('audit_logs').where('action', 'message.retry').firstOrFail()
    assert.equal(audit.actor_id, supervisor.id)

    await dispatcherWith(driver).runOnce()
    await message.refresh()
    assert.equal(message.status, 'sent')
    assert.equal(message.externalId, 'wamid.SECOND')

    // Only failed messages can be retried.
    await assert.rejects(
      () => outbound.retry(message.id, supervisor),
      /not a failed outbound message/
    )
  })

  test('an echo of our own send that was ingested first gives way to the agent’s message', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver(async () => {
      // The provider echoes the send through the inbound path before send() returns.
      await ingest.message(connection.id, {
        externalId: 'wamid.ECHO',
        direction: 'out',
        contact: { waId: '593991234567' },
        kind: 'text',
        body: 'Buenos días',
        at: new Date(),
      })
      return 'wamid.ECHO'
    })

    await dispatcherWith(driver).runOnce()

    const rows = await db.from('messages').where('external_id', 'wamid.ECHO').select('id')
    assert.deepEqual(
      rows.map((row) => Number(row.id)),
      [message.id]
    )
    assert.equal((await outboxOf(message)).state, 'done')
  })

  test('without a driver (plugin off) rows wait without burning attempts', async ({ assert }) => {
    const connection = await createConnection()
    const message = await queueText(connection)

    await dispatcherWith(null, { noDriverDelayMs: 30_000 }).runOnce()

    const row = await outboxOf(message)
    assert.equal(row.state, 'pending')
    assert.equal(row.attempts, 0)
    assert.isAbove(row.nextAttemptAt.toMillis() - Date.now(), 25_000)
    await message.refresh()
    assert.equal(message.status, 'queued')
  })

  test('a restart mid-send loses nothing: an expired lease is claimed again and sent exactly once', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    const driver = new FakeChannelDriver()

    // Instance A claims the row and "crashes" before sending (never records anything).
    const crashed = dispatcherWith(driver, { instanceId: 'instance-a', leaseMs: 60_000 })
    const claimed = await crashed.claim(10)
    assert.lengthOf(claimed, 1)

    // While A's lease is valid nobody else takes the row.
    const survivor = dispatcherWith(driver, { instanceId: 'instance-b' })
    assert.equal(await survivor.runOnce(), 0)
    assert.lengthOf(driver.sent, 0)

    // The lease runs out: B takes over and sends once.
    await db
      .from('outbox')
      .where('id', claimed[0].id)
      .update({ locked_until: db.raw("now() - interval '1 second'") })
    assert.equal(await survivor.runOnce(), 1)
    assert.equal(driver.callsFor(message.id), 1)
    assert.equal(driver.sent[0].attempt, 2)
    await message.refresh()
    assert.equal(message.status, 'sent')
    assert.equal((await outboxOf(message)).state, 'done')

    assert.equal(await survivor.runOnce(), 0)
    assert.equal(driver.callsFor(message.id), 1)
  })

  test('a late result from an instance that lost its lease does not overwrite the new owner', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const message = await queueText(connection)
    let release!: (id: string) => void
    const slow = new FakeChannelDriver(() => new Promise<string>((resolve) => (release = resolve)))
    const a = dispatcherWith(slow, { instanceId: 'slow-a' })
    const running = a.runOnce()
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5))

    await db
      .from('outbox')
      .where('message_id', message.id)
      .update({ locked_until: db.raw("now() - interval '1 second'") })
    const fast = new FakeChannelDriver(() => 'wamid.FROM-B')
    await dispatcherWith(fast, { instanceId: 'fast-b' }).runOnce()
    release('wamid.FROM-A')
    await running

    await message.refresh()
    assert.equal(message.externalId, 'wamid.FROM-B')
    assert.equal((await outboxOf(message)).state, 'done')
  })

  test('a row another dispatcher is claiming is skipped: neither waited for nor taken', async ({
    assert,
  }) => {
    const connection = await createConnection()
    await queueText(connection)
    // Dispatcher A is in the middle of its claim: the row is locked and being marked in flight.
    const a = await db.transaction()
    await a.from('outbox').forUpdate().select('id')
    await a.from('outbox').update({
      state: 'in_flight',
      locked_by: 'a',
      locked_until: a.raw("now() + interval '1 minute'"),
    })

    const claiming = dispatcherWith(new FakeChannelDriver(), { instanceId: 'b' }).claim(10)
    const first = await Promise.race([
      claiming,
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 2000)),
    ])
    await a.commit()

    assert.deepEqual(first, [])
    assert.deepEqual(await claiming, [])
  })

  test('dispatchers claiming at the same instant never send the same message twice', async ({
    assert,
  }) => {
    const connection = await createConnection({ sendRatePerSecond: 10_000 })
    const agent = await createUser('agent')
    const all: number[] = []
    for (let chat = 0; chat < 40; chat++) {
      const { conversationId } = await receive(connection, {
        waId: `5939900${String(chat).padStart(5, '0')}`,
      })
      const { message } = await outbound.submit({
        conversationId,
        authorUserId: agent.id,
        clientId: `race-${chat}`,
        kind: 'text',
        body: 'hola',
      })
      all.push(message.id)
    }
    const driver = new FakeChannelDriver((message) => `wamid.${message.messageId}`)
    const dispatchers = ['a', 'b', 'c', 'd'].map((id) =>
      dispatcherWith(driver, { instanceId: id, batchSize: 40 })
    )

    // Every round, all four claim at once from the same due rows.
    for (let round = 0; round < 10 && driver.sent.length < all.length; round++) {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.runOnce()))
    }

    assert.lengthOf(driver.sent, all.length)
    for (const id of all) assert.equal(driver.callsFor(id), 1, `message ${id} sent once`)
  })

  test('two started loops share the queue: each message once, each chat in order', async ({
    assert,
  }) => {
    const connection = await createConnection({ sendRatePerSecond: 1000 })
    const agent = await createUser('agent')
    const expected: number[][] = []
    for (let chat = 0; chat < 6; chat++) {
      const { conversationId } = await receive(connection, { waId: `59399000000${chat}` })
      const ids: number[] = []
      for (let n = 0; n < 5; n++) {
        const { message } = await outbound.submit({
          conversationId,
          authorUserId: agent.id,
          clientId: `chat-${chat}-${n}`,
          kind: 'text',
          body: `mensaje ${n}`,
        })
        ids.push(message.id)
      }
      expected.push(ids)
    }
    const driver = new FakeChannelDriver(async (message) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 8))
      return `wamid.${message.messageId}`
    })
    const options = { pollIntervalMs: 10, batchSize: 4 }
    const one = dispatcherWith(driver, { ...options, instanceId: 'one' })
    const two = dispatcherWith(driver, { ...options, instanceId: 'two' })
    one.start()
    two.start()
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const [{ total }] = await db.from('outbox').whereNot('state', 'done').count('* as total')
      if (Number(total) === 0) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await Promise.all([one.stop(), two.stop()])

    const all = expected.flat()
    assert.lengthOf(driver.sent, all.length)
    for (const id of all) assert.equal(driver.callsFor(id), 1, `message ${id} sent once`)
    // A chat's messages leave in the order they were written, whichever dispatcher sends them.
    for (const ids of expected) {
      const order = driver.sent.filter((m) => ids.includes(m.messageId)).map((m) => m.messageId)
      assert.deepEqual(order, ids)
    }
    const statuses = await db.from('messages').whereIn('id', all).distinct('status')
    assert.deepEqual(
      statuses.map((row) => row.status),
      ['sent']
    )
  })

  test('the per-connection rate limit spaces sends out', async ({ assert }) => {
    const connection = await createConnection({ sendRatePerSecond: 5 })
    const agent = await createUser('agent')
    for (let chat = 0; chat < 8; chat++) {
      const { conversationId } = await receive(connection, { waId: `59398000000${chat}` })
      await outbound.submit({
        conversationId,
        authorUserId: agent.id,
        clientId: `r-${chat}`,
        kind: 'text',
        body: 'hola',
      })
    }
    const stamps: number[] = []
    const driver = new FakeChannelDriver((message) => {
      stamps.push(Date.now())
      return `wamid.${message.messageId}`
    })
    const dispatcher = dispatcherWith(driver, { batchSize: 8 })
    await dispatcher.runOnce()

    // A full bucket allows one second's worth (5) at once; the 6th waits ~200 ms.
    assert.lengthOf(stamps, 8)
    assert.isAtLeast(stamps[7] - stamps[0], 500)
  })

  test('kick() wakes a started loop at once; stop() ends it', async ({ assert }) => {
    const connection = await createConnection()
    const driver = new FakeChannelDriver()
    const dispatcher = dispatcherWith(driver, { pollIntervalMs: 60_000 })
    dispatcher.start()
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The submit event kicks the loop (listeners are live: no emitter fake here).
    const message = await queueText(connection)
    const deadline = Date.now() + 5000
    while (!driver.callsFor(message.id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10))
    await dispatcher.stop()
    assert.equal(driver.callsFor(message.id), 1)
    assert.isFalse(dispatcher.isRunning)
  })
})
