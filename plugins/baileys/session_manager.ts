import type { Database } from '@adonisjs/lucid/database'
import type { IngestPort } from '#channels/ingest_port'
import type { MediaPort } from '#channels/media_port'
import type { SystemEventInput } from '#services/system_event_log'
import { BaileysSession } from './baileys_session.js'
import { SessionLease } from './session_lease.js'
import { baileysRuntime, type ILogger } from './runtime.js'
import { REASONS } from './reasons.js'

export interface ManagerDeps {
  db: Database
  ingest: IngestPort
  media: MediaPort
  logger: ILogger
  record(event: Omit<SystemEventInput, 'source'>): Promise<void>
  /** The plugin's connection ids (ctx.ports.channels.connections()). */
  connectionIds(): Promise<number[]>
}

export type SessionCommand = 'reconnect' | 'logout'

/**
 * The sessions this instance owns. Every `pollMs` it renews its leases,
 * stops sessions whose lease it lost or that nobody wants any more, takes
 * wanted sessions whose lease expired (their owner died), and carries out
 * the commands admins left on its sessions from any instance.
 */
export class SessionManager {
  #sessions = new Map<number, BaileysSession>()
  #timer: NodeJS.Timeout | null = null
  #ticking: Promise<void> | null = null
  #lease: SessionLease | null = null

  constructor(
    private deps: ManagerDeps,
    readonly owner?: string
  ) {}

  /** The core's media store, where drivers read the files they send. */
  get media() {
    return this.deps.media
  }

  get lease() {
    this.#lease ??= new SessionLease(this.deps.db, this.owner, baileysRuntime().leaseTtlMs)
    return this.#lease
  }

  session(connectionId: number) {
    return this.#sessions.get(connectionId) ?? null
  }

  sessions() {
    return [...this.#sessions.values()]
  }

  start() {
    if (this.#timer) return
    this.#timer = setInterval(() => void this.tick(), baileysRuntime().pollMs)
    this.#timer.unref()
    void this.tick()
  }

  /** One round of the ownership loop (tests call it directly). */
  tick(): Promise<void> {
    this.#ticking ??= this.#round().finally(() => (this.#ticking = null))
    return this.#ticking
  }

  async #round() {
    try {
      const ids = await this.deps.connectionIds()
      if (!ids.length) return
      const rows = await this.deps.db
        .from('baileys_sessions')
        .whereIn('connection_id', ids)
        .select('connection_id', 'wanted', 'command', 'groups_enabled')
      for (const row of rows) await this.#reconcile(row)
    } catch (error) {
      this.deps.logger.error({ err: error }, 'baileys: session round failed')
    }
  }

  async #reconcile(row: {
    connection_id: number
    wanted: boolean
    command: SessionCommand | null
    groups_enabled: boolean
  }) {
    const id = Number(row.connection_id)
    const local = this.#sessions.get(id)
    if (local) local.groupsEnabled = row.groups_enabled
    if (row.command && (local || (await this.lease.acquire(id)))) {
      await this.deps.db
        .from('baileys_sessions')
        .where('connection_id', id)
        .update({ command: null, updated_at: new Date() })
      await this.run(id, row.command)
      return
    }
    if (!row.wanted) {
      if (local) await this.#drop(id, 'Stopped', true)
      return
    }
    if (local) {
      // Lost the lease (paused too long, clock trouble): another instance may own it now.
      if (!(await this.lease.acquire(id))) await this.#drop(id, 'Lease lost', false)
      else if (!local.isRunning()) await this.#drop(id, 'Stopped', true)
      return
    }
    if (await this.lease.acquire(id)) await this.#startSession(id, row.groups_enabled)
  }

  async #startSession(connectionId: number, groupsEnabled: boolean) {
    const session = new BaileysSession({
      connectionId,
      db: this.deps.db,
      ingest: this.deps.ingest,
      media: this.deps.media,
      runtime: baileysRuntime(),
      logger: this.deps.logger,
      record: this.deps.record,
    })
    session.groupsEnabled = groupsEnabled
    this.#sessions.set(connectionId, session)
    await session.start()
    return session
  }

  async #drop(connectionId: number, reason: string, releaseLease: boolean) {
    const session = this.#sessions.get(connectionId)
    this.#sessions.delete(connectionId)
    await session?.stop(reason, { report: releaseLease })
    if (releaseLease) await this.lease.release(connectionId)
  }

  /** Marks the session wanted (or not) for every instance. */
  async want(connectionId: number, wanted: boolean) {
    await this.deps.db
      .knexQuery()
      .table('baileys_sessions')
      .insert({ connection_id: connectionId, wanted, updated_at: new Date() })
      .onConflict('connection_id')
      .merge(['wanted', 'updated_at'])
  }

  /** Opens the session here now if this instance can own it; otherwise its owner keeps it. */
  async connect(connectionId: number) {
    await this.want(connectionId, true)
    let session = this.#sessions.get(connectionId)
    if (session && !session.isRunning()) {
      await this.#drop(connectionId, 'Restarting', false)
      session = undefined
    }
    if (!session && (await this.lease.acquire(connectionId))) {
      const row = await this.deps.db
        .from('baileys_sessions')
        .where('connection_id', connectionId)
        .select('groups_enabled')
        .first()
      session = await this.#startSession(connectionId, !!row?.groups_enabled)
    }
    return session ?? null
  }

  async disconnect(connectionId: number, reason: string = REASONS.stopped_by_admin) {
    await this.want(connectionId, false)
    if (this.#sessions.has(connectionId)) await this.#drop(connectionId, reason, true)
  }

  /**
   * A command from the page: carried out here when this instance owns the
   * session, else left in the row for its owner's next round.
   */
  async command(connectionId: number, command: SessionCommand) {
    const free = !(await this.lease.holder(connectionId))
    if (this.#sessions.has(connectionId) || free) return this.run(connectionId, command)
    await this.deps.db
      .from('baileys_sessions')
      .where('connection_id', connectionId)
      .update({ command, updated_at: new Date() })
  }

  async run(connectionId: number, command: SessionCommand) {
    if (command === 'reconnect') {
      if (this.#sessions.has(connectionId)) await this.#drop(connectionId, 'Reconnecting', false)
      await this.connect(connectionId)
      return
    }
    await this.want(connectionId, false)
    let session = this.#sessions.get(connectionId)
    this.#sessions.delete(connectionId)
    session ??= new BaileysSession({
      connectionId,
      db: this.deps.db,
      ingest: this.deps.ingest,
      media: this.deps.media,
      runtime: baileysRuntime(),
      logger: this.deps.logger,
      record: this.deps.record,
    })
    await session.logout()
    await this.lease.release(connectionId)
  }

  /** Deactivate / shutdown: close every socket, keep the pairings, let others take over at once. */
  async stopAll() {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    await this.#ticking
    for (const [id, session] of [...this.#sessions]) {
      this.#sessions.delete(id)
      await session.stop('Plugin stopped', { report: false })
      await session.idle()
      // Not "disconnected": that would alert every admin on each deploy. Another instance (or this
      // one after its restart) takes the session over and reports it connected again — so report
      // before releasing the lease, never after the new owner did.
      await this.deps.ingest
        .connection(id, { status: 'connecting', reason: REASONS.server_stopped })
        .catch(() => undefined)
      await this.lease.release(id).catch(() => undefined)
    }
  }
}
