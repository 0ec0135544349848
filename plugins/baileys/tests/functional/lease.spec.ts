import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import { driverFor } from '#channels/channel_registry'
import { SessionLease } from '#plugins/baileys/session_lease'
import { SessionManager } from '#plugins/baileys/session_manager'
import { baileysContext } from '#plugins/baileys/plugin_context'
import {
  baileysConnection,
  doubles,
  manager,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { resetDatabase } from '#tests/helpers/fixtures'

/*
| One owner per session (DESIGN §6): a second instance on the same database
| never opens a session another live instance holds, and takes it over once
| the owner stopped renewing (it died).
*/

function secondInstance(owner: string) {
  const ctx = baileysContext()
  return new SessionManager(
    {
      db,
      ingest: ctx.ports.ingest,
      media: ctx.ports.media,
      logger: ctx.logger,
      record: (event) => ctx.systemEvents.record(event),
      connectionIds: async () => (await ctx.ports.channels.connections()).map((c) => c.id),
    },
    owner
  )
}

test.group('Baileys / session lease', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('many instances racing for one session: exactly one wins', async ({ assert }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    await manager().want(connection.id, true)
    const leases = Array.from({ length: 8 }, (_, i) => new SessionLease(db, `instance-${i}`, 5000))
    const results = await Promise.all(leases.map((lease) => lease.acquire(connection.id)))
    assert.equal(results.filter(Boolean).length, 1)
    const winner = leases[results.indexOf(true)]
    assert.equal(await winner.holder(connection.id), winner.owner)
    // The winner renews; the others still lose.
    assert.isTrue(await winner.acquire(connection.id))
    assert.isFalse(await leases[(results.indexOf(true) + 1) % 8].acquire(connection.id))
  })

  test('a second instance never opens a live session; it takes over when the owner dies', async ({
    assert,
  }) => {
    useDoubleRuntime({ leaseTtlMs: 800 })
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    assert.equal(doubles.count(connection.id), 1)

    const other = secondInstance('instance-b')
    await other.tick()
    assert.isNull(await other.connect(connection.id))
    assert.equal(
      doubles.count(connection.id),
      1,
      'instance B opened no socket while A holds the lease'
    )

    // A keeps renewing: B still cannot take it.
    await new Promise((resolve) => setTimeout(resolve, 500))
    await manager().tick()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await other.tick()
    assert.isNull(other.session(connection.id))

    // A dies (no more renewals): after the TTL, B's next round takes the session over.
    const diedAt = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 900))
    await other.tick()
    assert.isNotNull(other.session(connection.id))
    assert.isBelow(Date.now() - diedAt, 3000)
    await new Promise((resolve) => setImmediate(resolve))
    await other.session(connection.id)!.idle()
    assert.equal(doubles.count(connection.id), 2)
    const row = await db.from('baileys_sessions').where('connection_id', connection.id).first()
    assert.equal(row.owner, 'instance-b')
    await Connection.findOrFail(connection.id)
    assert.equal((await Connection.findOrFail(connection.id)).status, 'connected')

    // A comes back (it was only paused): it notices the lost lease and closes its socket, silently.
    await manager().tick()
    assert.isNull(manager().session(connection.id))
    assert.isTrue(doubles.all[0].ended)
    assert.equal((await Connection.findOrFail(connection.id)).status, 'connected')
    await other.stopAll()
  }).timeout(15000)

  test('a command left for the owner is carried out by the owner', async ({ assert }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    const other = secondInstance('instance-c')
    await other.command(connection.id, 'reconnect')
    assert.equal(doubles.count(connection.id), 1, 'B did not touch a session it does not own')
    await manager().tick()
    await settle(connection)
    assert.equal(doubles.count(connection.id), 2)
    const row = await db.from('baileys_sessions').where('connection_id', connection.id).first()
    assert.isNull(row.command)
  })
})
