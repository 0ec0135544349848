import { createServer } from 'node:net'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * Gives the test run a database of its own before the app boots:
 * - TEST_DATABASE_URL set: a fresh database on that server (dropped at the end);
 * - otherwise: a throwaway embedded PostgreSQL cluster in a temp folder on a
 *   free port (never 5432, never the dev server's), removed at the end.
 */
export async function prepareTestDatabase() {
  // The app under test listens on a free port, so a running dev server never collides.
  process.env.HOST = '127.0.0.1'
  process.env.PORT = String(await freePort())

  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) return createDatabaseOn(serverUrl)

  removeLeftoverClusters()
  process.env.EMBEDDED_PG_DIR = join(tmpdir(), `chasqui-test-${process.pid}`)
  process.env.EMBEDDED_PG_PORT = String(await freePort())
  process.env.EMBEDDED_PG_PASSWORD = 'chasqui-test'
  process.env.EMBEDDED_PG_EPHEMERAL = 'true'
  delete process.env.DATABASE_URL
  return { cleanup: async () => {} }
}

async function createDatabaseOn(serverUrl: string) {
  const name = `chasqui_test_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  process.env.DATABASE_URL = url.toString()
  return {
    cleanup: async () => {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A `kill -9` of an earlier run leaves its cluster behind: stop and remove it. */
function removeLeftoverClusters() {
  for (const entry of readdirSync(tmpdir())) {
    const match = /^chasqui-test-(\d+)$/.exec(entry)
    if (!match || isAlive(Number(match[1]))) continue
    const dir = join(tmpdir(), entry)
    const pidFile = join(dir, 'postmaster.pid')
    if (existsSync(pidFile)) {
      const postmaster = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10)
      if (postmaster && isAlive(postmaster)) process.kill(postmaster, 'SIGQUIT')
    }
    rmSync(dir, { recursive: true, force: true })
  }
}
