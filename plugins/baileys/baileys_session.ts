import type { Database } from '@adonisjs/lucid/database'
import {
  generateMessageIDV2,
  type AnyMessageContent,
  type BaileysEventMap,
  type CacheStore,
  type ConnectionState,
  type MiscMessageGenerationOptions,
  type WAMessage,
} from '@whiskeysockets/baileys'
import type { IngestPort } from '#channels/ingest_port'
import type { MediaPort } from '#channels/media_port'
import type { ConnectionStatus } from '#channels/channel_driver'
import type { SystemEventInput } from '#services/system_event_log'
import { useDbAuthState, type DbAuthState } from './auth_state.js'
import { decideOnClose, type ReconnectDecision } from './reconnect_policy.js'
import { InboundHandler } from './inbound_handler.js'
import { MessageStore } from './message_store.js'
import { InboxJournal } from './inbox_journal.js'
import { userOf } from './inbound_mapper.js'
import { REASONS } from './reasons.js'
import type { BaileysRuntime, BaileysSocket, ILogger } from './runtime.js'

export interface SessionDeps {
  connectionId: number
  db: Database
  ingest: IngestPort
  media: MediaPort
  runtime: BaileysRuntime
  logger: ILogger
  record(event: Omit<SystemEventInput, 'source'>): Promise<void>
}

/** A CacheStore in memory, kept per connection outside the socket (B.1 msgRetryCounterCache). */
function memoryCache(): CacheStore {
  const map = new Map<string, unknown>()
  return {
    get: <T>(key: string) => map.get(key) as T | undefined,
    set: (key, value) => {
      if (map.size > 5000) map.delete(map.keys().next().value!)
      map.set(key, value)
    },
    del: (key) => map.delete(key),
    flushAll: () => map.clear(),
  }
}

/**
 * The connection supervisor of one number on this instance (the instance
 * holding its lease). Opens the socket, carries out the reconnect policy by
 * disconnect reason (reconnect_policy.ts), reports every transition through
 * `ingest.connection()` and as a system event, and feeds the socket's events
 * to the inbound handler one at a time.
 */
export class BaileysSession {
  #status: ConnectionStatus = 'disconnected'
  #socket: BaileysSocket | null = null
  #auth: DbAuthState | null = null
  #failures = 0
  #retryTimer: NodeJS.Timeout | null = null
  #stopped = false
  /** Events are handled strictly in order: a status must not overtake the message it is about. */
  #queue: Promise<void> = Promise.resolve()
  #sending = new Set<string>()
  #retryCache = memoryCache()
  #settledWaiters: (() => void)[] = []
  readonly store: MessageStore
  readonly journal: InboxJournal
  readonly inbound: InboundHandler
  groupsEnabled = false
  /** The last decision taken on a close (tests and the page read it). */
  lastDecision: ReconnectDecision | null = null
  profileName: string | null = null

  constructor(private deps: SessionDeps) {
    this.store = new MessageStore(deps.db, deps.connectionId)
    this.journal = new InboxJournal(deps.db, deps.connectionId)
    this.inbound = new InboundHandler({
      connectionId: deps.connectionId,
      db: deps.db,
      ingest: deps.ingest,
      media: deps.media,
      store: this.store,
      runtime: deps.runtime,
      logger: deps.logger,
      isOwnSend: (id) => this.#sending.has(id),
      groupsEnabled: () => this.groupsEnabled,
      socket: () => this.#socket,
      onLost: (message, error) =>
        this.#event(
          'critical',
          'baileys.message_not_stored',
          'A received message could not be stored',
          {
            keyId: message.key.id ?? null,
            remoteJid: message.key.remoteJid ?? null,
            error: error instanceof Error ? error.message : String(error),
          }
        ),
    })
  }

  get connectionId() {
    return this.deps.connectionId
  }

  status() {
    return this.#status
  }

  socket() {
    return this.#socket
  }

  isRunning() {
    return !this.#stopped && (!!this.#socket || !!this.#retryTimer)
  }

  /** Opens the socket with the stored credentials (a QR is asked for when there are none). */
  async start() {
    this.#stopped = false
    await this.#open()
  }

  /** Resolves when the state left 'connecting' (open, QR shown, or closed for good) or after `timeoutMs`. */
  waitUntilSettled(timeoutMs: number) {
    if (this.#status !== 'connecting') return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      timer.unref()
      this.#settledWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Every event received so far has been handled. */
  async idle() {
    let tail: Promise<void>
    do {
      tail = this.#queue
      await tail
    } while (tail !== this.#queue)
  }

  async #open() {
    this.#clearRetry()
    if (this.#stopped) return
    this.#auth = await useDbAuthState(this.deps.db, this.deps.connectionId)
    // stop() may have run while the state loaded: it already reported the final state.
    if (this.#stopped) return
    await this.#report('connecting', null)
    const version = await this.deps.runtime.webVersion()
    if (this.#stopped) return
    const socket = this.deps.runtime.createSocket({
      version,
      connectionId: this.deps.connectionId,
      auth: this.#auth.state,
      logger: this.deps.logger,
      getMessage: (key) => this.store.content(key),
      msgRetryCounterCache: this.#retryCache,
    })
    this.#socket = socket
    const auth = this.#auth
    const on = <E extends keyof BaileysEventMap>(
      event: E,
      handler: (payload: BaileysEventMap[E]) => Promise<unknown>
    ) =>
      socket.ev.on(event, (payload) => {
        // Events of a socket we already dropped must not touch the current one (B.4, last line).
        if (socket !== this.#socket) return
        this.#enqueue(() => handler(payload))
      })

    on('creds.update', () => auth.saveCreds())
    on('connection.update', (update) => this.#onConnectionUpdate(socket, update))
    const opened = new Date()
    this.#enqueue(() => this.#finishLeftovers(opened))
    socket.ev.on('messages.upsert', (payload) => {
      if (socket !== this.#socket) return
      // Logged before it waits in the queue: if the process dies meanwhile, the next session has it.
      const logged = this.journal.write(payload.type, payload.messages).catch((error) => {
        this.deps.logger.error({ err: error }, 'baileys: received batch not journaled')
        return null
      })
      this.#enqueue(async () => {
        await this.inbound.upsert(payload)
        const id = await logged
        if (id !== null) await this.journal.done(id)
      })
    })
    on('messages.update', (payload) => this.inbound.updates(payload))
    on('message-receipt.update', (payload) => this.inbound.receipts(payload))
    on('messaging-history.set', (payload) => this.inbound.history(payload))
    on('contacts.upsert', async (contacts) => {
      for (const contact of contacts) await this.inbound.contactUpdate(contact)
    })
    on('contacts.update', async (contacts) => {
      for (const contact of contacts) await this.inbound.contactUpdate(contact)
    })
    on('lid-mapping.update', (mapping) => this.inbound.lidMapping(mapping))
    on('call', (calls) => this.inbound.calls(calls))
  }

  /** Batches an earlier process received but never finished handling. */
  async #finishLeftovers(before: Date) {
    for (const batch of await this.journal.left(before)) {
      await this.inbound.upsert({ messages: batch.messages, type: batch.type })
      await this.journal.done(batch.id)
    }
  }

  #enqueue(work: () => Promise<unknown>) {
    this.#queue = this.#queue.then(work).then(
      () => undefined,
      (error) => this.deps.logger.error({ err: error }, 'baileys: handling an event failed')
    )
  }

  async #onConnectionUpdate(socket: BaileysSocket, update: Partial<ConnectionState>) {
    if (update.qr) {
      const first = this.#status !== 'waiting_qr'
      await this.#report('waiting_qr', REASONS.scan_qr, update.qr)
      // WhatsApp rotates the QR every ~20 s: one event when pairing starts, not one per rotation.
      if (first) await this.#event('info', 'baileys.qr', 'Waiting for the QR code to be scanned')
    }
    if (update.connection === 'open') {
      this.#failures = 0
      const me = socket.user
      this.profileName = me?.name ?? me?.verifiedName ?? null
      await this.deps.db
        .from('baileys_sessions')
        .where('connection_id', this.deps.connectionId)
        .update({
          profile_name: this.profileName,
          own_jid: me?.id ?? null,
          pairing_code: null,
          updated_at: new Date(),
        })
      await this.#report('connected', null, null, userOf(me?.id) ?? null)
      await this.#event('info', 'baileys.open', `Connected as ${me?.id ?? 'unknown'}`)
    }
    if (update.connection === 'close') await this.#onClose(socket, update)
  }

  async #onClose(socket: BaileysSocket, update: Partial<ConnectionState>) {
    if (socket !== this.#socket) return
    this.#socket = null
    if (this.#stopped) return
    const error = update.lastDisconnect?.error as
      { output?: { statusCode?: number }; message?: string } | undefined
    const decision = decideOnClose({
      statusCode: error?.output?.statusCode,
      message: error?.message,
      registered: !!this.#auth?.state.creds.registered,
      failures: this.#failures,
      random: this.deps.runtime.random,
    })
    this.lastDecision = decision
    const context = {
      statusCode: error?.output?.statusCode ?? null,
      action: decision.action,
      delayMs: decision.delayMs,
    }
    await this.#event(
      decision.level,
      `baileys.closed.${error?.output?.statusCode ?? 'unknown'}`,
      decision.reason,
      context
    )

    switch (decision.action) {
      case 'reconnect_now':
        // Baileys saved the new creds through creds.update, handled before this event (same queue).
        await this.#report(decision.status, decision.reason)
        await this.#open()
        return
      case 'backoff':
        this.#failures++
        await this.#report(decision.status, decision.reason)
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = null
          this.#enqueue(() => this.#open())
        }, decision.delayMs)
        this.#retryTimer.unref()
        return
      case 'wipe':
        await this.#auth?.wipe()
        await this.#unwant()
        this.#stopped = true
        await this.#report(decision.status, decision.reason)
        return
      case 'stop':
        await this.#unwant()
        this.#stopped = true
        await this.#report(decision.status, decision.reason)
        return
    }
  }

  /** No instance opens this session again until an admin asks (a reconnect would loop). */
  async #unwant() {
    await this.deps.db
      .from('baileys_sessions')
      .where('connection_id', this.deps.connectionId)
      .update({ wanted: false, updated_at: new Date() })
  }

  async #report(
    status: ConnectionStatus,
    reason: string | null,
    qr?: string | null,
    phone?: string | null
  ) {
    const changed = status !== this.#status
    this.#status = status
    await this.deps.ingest.connection(this.deps.connectionId, {
      status,
      reason,
      qr: qr ?? null,
      phone: phone ? `+${phone}` : null,
    })
    if (status !== 'connecting') {
      for (const resolve of this.#settledWaiters.splice(0)) resolve()
    }
    if (changed && status !== 'waiting_qr' && status !== 'connected') {
      await this.#event('info', 'baileys.state', `State ${status}${reason ? `: ${reason}` : ''}`)
    }
  }

  #event(
    level: SystemEventInput['level'],
    category: string,
    message: string,
    context: Record<string, unknown> = {}
  ) {
    return this.deps
      .record({
        level,
        category,
        message: `Connection ${this.deps.connectionId}: ${message}`,
        context: { connectionId: this.deps.connectionId, ...context },
      })
      .catch((error) => this.deps.logger.warn({ err: error }, 'baileys: system event failed'))
  }

  /**
   * Closes the socket without forgetting the pairing (disable, lease lost,
   * manual stop). `report` false when another instance takes over the state.
   */
  async stop(reason: string, { report = true } = {}) {
    this.#stopped = true
    this.#clearRetry()
    this.inbound.stop()
    const socket = this.#socket
    this.#socket = null
    if (socket) await socket.end(undefined).catch(() => undefined)
    if (report) await this.#report('disconnected', reason)
    else this.#status = 'disconnected'
  }

  /** Unlinks the number: WhatsApp removes the device, and the creds and keys are deleted here. */
  async logout() {
    this.#stopped = true
    this.#clearRetry()
    this.inbound.stop()
    const socket = this.#socket
    this.#socket = null
    if (socket) await socket.logout().catch(() => undefined)
    if (!this.#auth) this.#auth = await useDbAuthState(this.deps.db, this.deps.connectionId)
    await this.#auth.wipe()
    await this.#unwant()
    await this.#report('logged_out', REASONS.logged_out_here)
    await this.#event('warning', 'baileys.logout', 'Number logged out by an administrator')
  }

  /** Pairing by phone-number code, the alternative to the QR (digits with country code). */
  async requestPairingCode(phone: string) {
    if (!this.#socket) throw new Error('not connected')
    return this.#socket.requestPairingCode(phone.replace(/\D/g, ''))
  }

  /** Declines a ringing call (the calls plugin's auto-reject); WhatsApp then reports it `reject`. */
  async rejectCall(callId: string, callFrom: string) {
    if (!this.#socket || this.#status !== 'connected') return false
    await this.#socket.rejectCall(callId, callFrom)
    return true
  }

  /** Sends through the open socket; the own-message echo is recognised by the id chosen here. */
  async send(jid: string, content: AnyMessageContent, options: MiscMessageGenerationOptions = {}) {
    const socket = this.#socket
    if (!socket || this.#status !== 'connected') return null
    const messageId = generateMessageIDV2(socket.user?.id)
    this.#sending.add(messageId)
    try {
      const sent: WAMessage | undefined = await socket.sendMessage(jid, content, {
        ...options,
        messageId,
      })
      if (sent) await this.store.save(sent)
      return sent ?? null
    } finally {
      // The echo is queued before sendMessage resolves; keep the id until it was handled.
      this.#enqueue(async () => {
        this.#sending.delete(messageId)
      })
    }
  }

  #clearRetry() {
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }
}
