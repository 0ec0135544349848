import { test } from '@japa/runner'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import { driverFor } from '#channels/channel_registry'
import { INSTANCE_ID } from '#plugins/baileys/session_lease'
import {
  baileysConnection,
  manager,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { resetDatabase } from '#tests/helpers/fixtures'

/*
| Two Chasqui processes on one database (DESIGN §6): this test process owns
| a number; a second app process (`npm start`, WhatsApp played by the socket
| double) never opens it while the owner lives, and takes it over once the
| owner stops renewing its lease.
*/

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** The URL of the database this test process uses, for the second process. */
function databaseUrl() {
  const connection = app.config.get<Record<string, unknown>>(
    'database.connections.postgres.connection'
  )
  if (typeof connection === 'string') return connection
  if (typeof connection.connectionString === 'string') return connection.connectionString
  const { host, port, user, password, database } = connection as Record<string, string>
  const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}`
  // The embedded cluster is reached through its Unix socket folder (EmbeddedDatabaseProvider).
  if (host.startsWith('/'))
    return `postgres://${credentials}@localhost:${port}/${database}?host=${encodeURIComponent(host)}`
  return `postgres://${credentials}@${host}:${port}/${database}`
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms`)
}

const owner = async (id: number) =>
  (await db.from('baileys_sessions').where('connection_id', id).first())?.owner as string | null

test.group('Baileys / two app processes on one database', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('the second process never opens a live session and takes it over when the owner dies', async ({
    assert,
  }) => {
    useDoubleRuntime({ leaseTtlMs: 2000 })
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    assert.equal(await owner(connection.id), INSTANCE_ID)

    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const key of [
      'TEST_DATABASE_URL',
      'EMBEDDED_PG_DIR',
      'EMBEDDED_PG_EPHEMERAL',
      'NODE_ENV',
    ]) {
      delete env[key]
    }
    Object.assign(env, {
      DATABASE_URL: databaseUrl(),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      CHASQUI_STORAGE_PATH: mkdtempSync(join(tmpdir(), 'chasqui-second-')),
      LOG_LEVEL: 'warn',
      BAILEYS_SOCKET_DOUBLE: '1',
      BAILEYS_LEASE_TTL_MS: '2000',
      BAILEYS_POLL_MS: '500',
    })
    // This process's ownership rounds, as its interval would run them (the test runtime has none).
    const renewing = setInterval(() => void manager().tick(), 500)
    const child = spawn('npm', ['start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error(`second process exited: ${output}`)
          try {
            return (await fetch(`http://127.0.0.1:${env.PORT}/health`)).ok
          } catch {
            return false
          }
        },
        90_000,
        'second process healthy'
      )
      // The second process runs its ownership rounds (every 500 ms) while we keep renewing.
      await new Promise((resolve) => setTimeout(resolve, 4000))
      assert.equal(await owner(connection.id), INSTANCE_ID)
      const opens = () =>
        db.from('system_events').where('category', 'baileys.open').count('* as n').first()
      assert.equal(Number((await opens())!.n), 1, 'only this process ever opened the session')

      // This process "dies": no more renewals. The second one takes over within seconds.
      clearInterval(renewing)
      const diedAt = Date.now()
      await until(
        async () => !!(await owner(connection.id)) && (await owner(connection.id)) !== INSTANCE_ID,
        15_000,
        'takeover'
      )
      const takeoverMs = Date.now() - diedAt
      assert.isBelow(takeoverMs, 6000)
      await until(async () => Number((await opens())!.n) === 2, 10_000, 'second open')
      assert.equal((await Connection.findOrFail(connection.id)).status, 'connected')
    } finally {
      clearInterval(renewing)
      // A child that already exited has no group left to signal: keep the test's own error.
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid, 'SIGTERM')
        await new Promise((resolve) => child.once('exit', resolve))
      }
    }
  }).timeout(150_000)
})
