import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import SystemEvent from '#models/system_event'
import Notification from '#models/notification'
import { driverFor } from '#channels/channel_registry'
import { decideOnClose, backoffDelay, BACKOFF_CAP_MS } from '#plugins/baileys/reconnect_policy'
import { loadCreds } from '#plugins/baileys/auth_state'
import {
  baileysConnection,
  doubles,
  manager,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| The connection supervisor (CONTRACTS.md B.4): the pure decision for every
| disconnect reason, then the same reasons emitted by the socket double
| against a running session (what it reports, whether it opens a new socket).
*/

const close = (statusCode: number | undefined, message?: string, registered = true, failures = 0) =>
  decideOnClose({ statusCode, message, registered, failures, random: () => 0.5 })

test.group('Baileys / reconnect policy by disconnect reason', () => {
  test('515 restart required reconnects at once and is not a failure', ({ assert }) => {
    const decision = close(515, 'Stream Errored (restart required)')
    assert.equal(decision.action, 'reconnect_now')
    assert.equal(decision.delayMs, 0)
    assert.equal(decision.level, 'info')
  })

  test('401 logged out and 411 wipe the pairing and end logged_out', ({ assert }) => {
    for (const code of [401, 411]) {
      const decision = close(code)
      assert.equal(decision.action, 'wipe')
      assert.equal(decision.status, 'logged_out')
    }
  })

  test('440 replaced, 403 forbidden and 405 stop without reconnecting', ({ assert }) => {
    for (const code of [440, 403, 405]) {
      const decision = close(code)
      assert.equal(decision.action, 'stop', String(code))
      assert.equal(decision.status, 'disconnected')
      assert.equal(decision.level, 'critical')
    }
  })

  test('408 QR refs ended on an unlinked number stops: the admin asks for a new QR', ({
    assert,
  }) => {
    const decision = close(408, 'QR refs attempts ended', false)
    assert.equal(decision.action, 'stop')
    assert.include(decision.reason, 'QR')
  })

  test('408 lost, 428, 500, 503 and unknown errors back off with jitter and a cap', ({
    assert,
  }) => {
    for (const code of [408, 428, 500, 503, undefined]) {
      const decision = close(code, 'Connection was lost')
      assert.equal(decision.action, 'backoff', String(code))
      assert.equal(decision.status, 'connecting')
      assert.isAbove(decision.delayMs, 0)
    }
    assert.equal(
      backoffDelay(0, () => 0),
      1000
    )
    assert.equal(
      backoffDelay(0, () => 1),
      2000
    )
    assert.equal(
      backoffDelay(3, () => 1),
      16000
    )
    assert.equal(
      backoffDelay(40, () => 1),
      BACKOFF_CAP_MS
    )
    assert.equal(
      backoffDelay(40, () => 0),
      BACKOFF_CAP_MS / 2
    )
  })

  test('500 repeated five times says the number may need to be linked again', ({ assert }) => {
    assert.equal(close(500, undefined, true, 0).level, 'warning')
    const repeated = close(500, undefined, true, 4)
    assert.equal(repeated.level, 'critical')
    assert.include(repeated.reason, 'linked again')
  })
})

async function connected() {
  useDoubleRuntime()
  const connection = await baileysConnection()
  await driverFor(connection)!.connect()
  await settle(connection)
  await connection.refresh()
  return connection
}

async function wanted(connectionId: number) {
  const row = await db.from('baileys_sessions').where('connection_id', connectionId).first()
  return !!row?.wanted
}

test.group('Baileys / supervisor with the socket double', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('QR shown, phone links (creds saved, 515), new socket opens as connected', async ({
    assert,
  }) => {
    useDoubleRuntime()
    doubles.autoLink = false
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.status, 'waiting_qr')
    assert.isString(connection.qrCode)

    doubles.latest(connection.id).rotateQr('2@rotated,qr')
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.qrCode, '2@rotated,qr')

    doubles
      .latest(connection.id)
      .phoneLinks({ id: '593987654321:7@s.whatsapp.net', name: 'Cooperativa Andina' })
    await settle(connection)
    await settle(connection)
    assert.equal(doubles.count(connection.id), 2)
    await connection.refresh()
    assert.equal(connection.status, 'connected')
    assert.equal(connection.phoneE164, '+593987654321')
    assert.isNull(connection.qrCode)
    const creds = await loadCreds(db, connection.id)
    assert.isTrue(creds?.registered)
    const session = await db.from('baileys_sessions').where('connection_id', connection.id).first()
    assert.equal(session.profile_name, 'Cooperativa Andina')
    const events = await SystemEvent.query().where('source', 'baileys').orderBy('id')
    assert.includeMembers(
      events.map((e) => e.category),
      ['baileys.qr', 'baileys.closed.515', 'baileys.open']
    )
  })

  test('a restart resumes the session from PostgreSQL without a QR', async ({ assert }) => {
    const connection = await connected()
    await manager().stopAll()
    doubles.autoLink = false
    await manager().connect(connection.id)
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.status, 'connected')
  })

  test('401 logged out wipes creds and keys, ends logged_out, notifies, never reconnects', async ({
    assert,
  }) => {
    const admin = await createUser('admin')
    const connection = await connected()
    await db
      .table('baileys_auth_keys')
      .insert({ connection_id: connection.id, type: 'session', key_id: 'x', value: '"y"' })
    doubles.latest(connection.id).close(401)
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.status, 'logged_out')
    assert.isNull(await loadCreds(db, connection.id))
    assert.lengthOf(await db.from('baileys_auth_keys').where('connection_id', connection.id), 0)
    assert.isFalse(await wanted(connection.id))
    await manager().tick()
    assert.equal(doubles.count(connection.id), 1)
    // R-CH-7: the core logs a critical event and notifies administrators.
    const critical = await SystemEvent.query().where('category', 'connection.logged_out')
    assert.lengthOf(critical, 1)
    const notes = await Notification.query().where('user_id', admin.id)
    assert.isAbove(notes.length, 0)
  })

  test('440 replaced stops and is not retried by the ownership loop', async ({ assert }) => {
    const connection = await connected()
    doubles.latest(connection.id).close(440, 'Stream Errored (conflict)')
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.status, 'disconnected')
    assert.include(connection.statusReason!, 'replaced')
    await manager().tick()
    await settle(connection)
    assert.equal(doubles.count(connection.id), 1)
    assert.isFalse(await wanted(connection.id))
  })

  test('408 QR expired on an unlinked number stops and waits for the admin', async ({ assert }) => {
    useDoubleRuntime()
    doubles.autoLink = false
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    doubles.latest(connection.id).close(408, 'QR refs attempts ended')
    await settle(connection)
    await connection.refresh()
    assert.equal(connection.status, 'disconnected')
    assert.isNull(connection.qrCode)
    await manager().tick()
    assert.equal(doubles.count(connection.id), 1)
  })

  for (const code of [428, 408, 500, 503]) {
    test(`${code} backs off, then opens a new socket`, async ({ assert }) => {
      const connection = await connected()
      doubles.latest(connection.id).close(code, code === 408 ? 'Connection was lost' : undefined)
      await settle(connection)
      await connection.refresh()
      assert.equal(connection.status, 'connecting')
      const session = manager().session(connection.id)!
      assert.equal(session.lastDecision?.action, 'backoff')
      // random 0.5 on the first failure: 2 s × 75 %.
      assert.equal(session.lastDecision?.delayMs, 1500)
      assert.equal(doubles.count(connection.id), 1)
      await new Promise((resolve) => setTimeout(resolve, 1700))
      await settle(connection)
      assert.equal(doubles.count(connection.id), 2)
      await connection.refresh()
      assert.equal(connection.status, 'connected')
    }).timeout(10000)
  }

  test('every transition is a system event', async ({ assert }) => {
    const connection = await connected()
    doubles.latest(connection.id).close(428)
    await settle(connection)
    const categories = (await SystemEvent.query().where('source', 'baileys')).map((e) => e.category)
    assert.includeMembers(categories, ['baileys.open', 'baileys.closed.428', 'baileys.state'])
    await connection.refresh()
  })

  test('manual reconnect and log out from the manager', async ({ assert }) => {
    const connection = await connected()
    await manager().command(connection.id, 'reconnect')
    await settle(connection)
    assert.equal(doubles.count(connection.id), 2)
    await connection.refresh()
    assert.equal(connection.status, 'connected')

    await manager().command(connection.id, 'logout')
    await connection.refresh()
    assert.equal(connection.status, 'logged_out')
    assert.isTrue(doubles.latest(connection.id).loggedOut)
    assert.isNull(await loadCreds(db, connection.id))
    assert.isNull(
      await Connection.query().where('id', connection.id).whereNotNull('qr_code').first()
    )
  })
})
