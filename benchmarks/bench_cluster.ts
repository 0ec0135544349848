import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import pg from 'pg'
import { EmbeddedCluster } from '../providers/embedded_database/cluster.js'

const PORT = Number(process.env.BENCH_PG_PORT || 54391)
const PASSWORD = 'chasqui-bench'

function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The benchmarks' own embedded PostgreSQL cluster, kept between runs in
 * $TMPDIR/chasqui-bench-pg (port 54391) so the data sets cached there as
 * template databases survive. Several bench runs may share it at once:
 * each gets its own database `chasqui_bench_<pid>` (DATABASE_URL), dropped
 * at the end; the cluster is stopped by the run that started it, once no
 * other run's database is left.
 */
export async function prepareBenchCluster() {
  // The app under test listens on a free port, so a running dev server never collides.
  process.env.HOST = '127.0.0.1'
  process.env.PORT = String(await freePort())
  const database = `chasqui_bench_${process.pid}`
  const cluster = new EmbeddedCluster({
    dataDir: process.env.BENCH_PG_DIR || join(tmpdir(), 'chasqui-bench-pg'),
    port: PORT,
    user: 'postgres',
    password: PASSWORD,
    database,
    ephemeral: false,
  })
  // Another run may be starting or stopping it at this very moment: try again shortly.
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.start()
      break
    } catch (error) {
      if (attempt >= 6) throw error
      await new Promise((resolve) => setTimeout(resolve, 2500))
    }
  }
  const admin = () =>
    new pg.Client({
      host: '127.0.0.1',
      port: PORT,
      user: 'postgres',
      password: PASSWORD,
      database: 'postgres',
    })
  const client = admin()
  await client.connect()
  try {
    // Databases of runs that were killed.
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'chasqui\\_bench\\_%'"
    )
    for (const { datname } of rows) {
      const pid = Number(String(datname).slice('chasqui_bench_'.length))
      if (pid && pid !== process.pid && !isAlive(pid))
        await client.query(
          `DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`
        )
    }
  } finally {
    await client.end()
  }
  // Over the cluster's Unix socket when it has one, as `npm start` does (EmbeddedDatabaseProvider).
  const socketDir = cluster.connectableSocketDir()
  process.env.DATABASE_URL =
    `postgres://postgres:${PASSWORD}@127.0.0.1:${PORT}/${database}` +
    (socketDir ? `?host=${encodeURIComponent(socketDir)}` : '')
  const otherRuns = async (connection: pg.Client) => {
    const { rows } = await connection.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'chasqui\\_bench\\_%'"
    )
    return rows.some(({ datname }) => {
      const pid = Number(String(datname).slice('chasqui_bench_'.length))
      return pid !== process.pid && isAlive(pid)
    })
  }
  return {
    cleanup: async () => {
      const last = admin()
      await last.connect()
      try {
        await last.query(`DROP DATABASE IF EXISTS ${last.escapeIdentifier(database)} WITH (FORCE)`)
        // The cluster dies with the process that started it: wait for the other runs to finish.
        if (cluster.startedHere) {
          const until = Date.now() + 20 * 60_000
          while (Date.now() < until && (await otherRuns(last)))
            await new Promise((resolve) => setTimeout(resolve, 2000))
        }
      } finally {
        await last.end()
      }
      await cluster.stop()
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
