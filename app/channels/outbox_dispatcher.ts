import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import { publish } from '#events/conversation_events'
import systemEventLog from '#services/system_event_log'
import Connection from '#models/connection'
import type { MessageStatus } from '#models/message'
import { TokenBucket } from '#channels/token_bucket'
import { applyEarlyStatuses } from '#channels/status_tracker'
import newContactGuard from '#channels/new_contact_guard'
import {
  ChannelSendError,
  type ChannelDriver,
  type OutboundKind,
  type OutboundMessage,
} from '#channels/channel_driver'

/** Gives the driver of a connection, or null when none can send right now (plugin disabled, not started). */
export type DriverResolver = (
  connection: Connection
) => ChannelDriver | null | Promise<ChannelDriver | null>

export interface OutboxDispatcherOptions {
  resolveDriver: DriverResolver
  /** Names this process in `locked_by`; default host:pid:random. */
  instanceId?: string
  /** How often to look for due rows when nothing kicks the loop. Default 1 s. */
  pollIntervalMs?: number
  /** Rows claimed per round. Default 20. */
  batchSize?: number
  /** How long a claim stays ours; an expired lease is claimed again by anyone. Default 60 s. */
  leaseMs?: number
  /** A send that takes longer is abandoned and retried; keep it well under the lease. Default 45 s. */
  sendTimeoutMs?: number
  /** Attempts before a retryable failure becomes final. Default 8 (~8 min with the default delays). */
  maxAttempts?: number
  /** First retry delay; doubles on each attempt, with jitter, up to maxDelayMs. Default 2 s / 5 min. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Messages per second per connection when the connection does not say. Default 20. */
  defaultRatePerSecond?: number
  /** Sends in flight at once per connection (each to a different conversation). Default 16. */
  sendConcurrency?: number
  /** When no driver is available, look again after this long (no attempt is counted). Default 30 s. */
  noDriverDelayMs?: number
  /** Jitter source, for tests. */
  random?: () => number
  /**
   * Claim only rows of connections owned by these plugins (read every round),
   * so a process does not churn rows no running plugin can send. Default: all.
   */
  pluginKeys?: (() => readonly string[]) | null
}

export interface ClaimedRow {
  id: number
  messageId: number
  connectionId: number
  conversationId: number
  attempts: number
}

/** Waits for a token when it comes this soon; otherwise the row goes back to the queue. */
const MAX_RATE_WAIT_MS = 1000

/**
 * Hands queued messages to channel drivers (DESIGN §5). In-process loop,
 * safe with any number of instances on one database:
 * - rows are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so two
 *   dispatchers never take the same row, and a row whose owner died is
 *   taken again once its lease expires (a restart loses nothing);
 * - a conversation's messages leave in order: a row is not claimable while
 *   an earlier row of the same conversation is pending or in flight;
 * - per-connection token bucket; retryable errors back off exponentially
 *   with jitter; final failures mark the message failed with the reason.
 * Delivery is at-least-once towards the provider: a process killed after
 * the provider accepted a message but before the result was stored sends
 * it again after the lease expires (no WhatsApp API takes an idempotency key).
 */
export class OutboxDispatcher {
  readonly instanceId: string
  #options: Required<Omit<OutboxDispatcherOptions, 'instanceId' | 'pluginKeys'>>
  #pluginKeys: (() => readonly string[]) | null
  #buckets = new TokenBucket()
  #running = false
  #loop: Promise<void> | null = null
  #wake: (() => void) | null = null
  #kicked = false
  #onSubmitted = () => this.kick()
  #onStatus = (event: { status: MessageStatus }) => {
    if (event.status === 'queued') this.kick()
  }

  constructor(options: OutboxDispatcherOptions) {
    this.instanceId =
      options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.#options = {
      resolveDriver: options.resolveDriver,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      batchSize: options.batchSize ?? 20,
      leaseMs: options.leaseMs ?? 60_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 45_000,
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 2000,
      maxDelayMs: options.maxDelayMs ?? 300_000,
      defaultRatePerSecond: options.defaultRatePerSecond ?? 20,
      noDriverDelayMs: options.noDriverDelayMs ?? 30_000,
      sendConcurrency: options.sendConcurrency ?? 16,
      random: options.random ?? Math.random,
    }
    this.#pluginKeys = options.pluginKeys ?? null
  }

  get isRunning() {
    return this.#running
  }

  /** Starts the loop; new and retried messages wake it at once. */
  start() {
    if (this.#running) return
    this.#running = true
    emitter.on('conversation:message_submitted', this.#onSubmitted)
    emitter.on('conversation:message_status', this.#onStatus)
    this.#loop = this.#run()
  }

  /** Stops after the current round (its sends finish and are recorded). */
  async stop() {
    if (!this.#running) return
    this.#running = false
    emitter.off('conversation:message_submitted', this.#onSubmitted)
    emitter.off('conversation:message_status', this.#onStatus)
    this.kick()
    await this.#loop
    this.#loop = null
  }

  /** Look for due rows now instead of at the next poll. */
  kick() {
    this.#kicked = true
    this.#wake?.()
  }

  async #run() {
    while (this.#running) {
      this.#kicked = false
      let claimed = 0
      try {
        claimed = await this.runOnce()
      } catch (error) {
        logger.error({ err: error }, 'outbox dispatcher round failed')
      }
      if (!this.#running) break
      // Anything sent may have unblocked the next message of its conversation: look again at once.
      if (claimed === 0 && !this.#kicked) await this.#sleep(this.#options.pollIntervalMs)
    }
  }

  #sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        self.#wake = null
        resolve()
      }
      this.#wake = done
    })
  }

  /** One round: claim due rows and send them. Returns how many rows were claimed. */
  async runOnce(): Promise<number> {
    const rows = await this.claim(this.#options.batchSize)
    if (!rows.length) return 0
    const byConnection = new Map<number, ClaimedRow[]>()
    for (const row of rows)
      byConnection.set(row.connectionId, [...(byConnection.get(row.connectionId) ?? []), row])
    // Connections in parallel, and up to `sendConcurrency` sends per connection: a claim holds at
    // most one row per conversation (see claim), so conversations stay in order while a number's
    // throughput is not capped at one round trip per message (Meta: 80 msg/s at ~100 ms each).
    await Promise.all(
      [...byConnection.values()].map(async (connectionRows) => {
        let next = 0
        const worker = async () => {
          while (next < connectionRows.length) {
            const row = connectionRows[next++]
            try {
              await this.#process(row)
            } catch (error) {
              // Bookkeeping failed (database down?): the lease expires and the row is claimed again.
              logger.error({ err: error, outboxId: row.id }, 'outbox row could not be processed')
            }
          }
        }
        const workers = Math.min(this.#options.sendConcurrency, connectionRows.length)
        await Promise.all(Array.from({ length: workers }, worker))
      })
    )
    return rows.length
  }

  /**
   * Claims up to `limit` due rows for this instance: pending rows whose time
   * has come and in-flight rows whose lease expired, skipping rows other
   * dispatchers hold and rows queued behind an earlier message of the same
   * conversation. Each claim counts as an attempt, so a message that crashes
   * its sender cannot loop forever.
   */
  async claim(limit: number): Promise<ClaimedRow[]> {
    const pluginKeys = this.#pluginKeys?.() ?? null
    if (pluginKeys && !pluginKeys.length) return []
    const ownedBy = pluginKeys
      ? `AND o.connection_id IN (SELECT c.id FROM connections c
           WHERE c.plugin_key IN (SELECT jsonb_array_elements_text(CAST(:pluginKeys AS jsonb))))`
      : ''
    const result = await db.rawQuery(
      `WITH due AS (
         SELECT o.id FROM outbox o
         WHERE ((o.state = 'pending' AND o.next_attempt_at <= now())
             OR (o.state = 'in_flight' AND o.locked_until < now()))
           AND NOT EXISTS (
             SELECT 1 FROM outbox earlier
             WHERE earlier.conversation_id = o.conversation_id
               AND earlier.id < o.id
               AND earlier.state IN ('pending', 'in_flight'))
           ${ownedBy}
         ORDER BY o.next_attempt_at, o.id
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox SET
         state = 'in_flight',
         locked_by = :owner,
         locked_until = now() + make_interval(secs => :leaseSeconds),
         attempts = outbox.attempts + 1,
         updated_at = now()
       FROM due WHERE outbox.id = due.id
       RETURNING outbox.id, outbox.message_id, outbox.connection_id, outbox.conversation_id, outbox.attempts`,
      {
        limit,
        owner: this.instanceId,
        leaseSeconds: this.#options.leaseMs / 1000,
        ...(pluginKeys ? { pluginKeys: JSON.stringify(pluginKeys) } : {}),
      }
    )
    return (result.rows as Record<string, unknown>[])
      .map((row) => ({
        id: Number(row.id),
        messageId: Number(row.message_id),
        connectionId: Number(row.connection_id),
        conversationId: Number(row.conversation_id),
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.id - b.id)
  }

  async #process(row: ClaimedRow) {
    const outbound = await this.#load(row)
    if (!outbound) return this.#finish(row, 'done', null)
    if (row.attempts > this.#options.maxAttempts) {
      // Claimed again and again without an answer (the sender kept dying): give up.
      return this.#fail(row, outbound.message, {
        code: 'max_attempts',
        reason: 'The message could not be sent after several attempts',
        exhausted: true,
      })
    }

    const connection = await Connection.find(row.connectionId)
    const driver = connection?.isActive ? await this.#options.resolveDriver(connection) : null
    if (!connection || !driver) return this.#defer(row, this.#options.noDriverDelayMs)

    const admission = await newContactGuard.admit(connection, outbound.message.to.contactId)
    if (!admission.ok) {
      await newContactGuard.announce(connection, admission)
      return this.#defer(row, admission.retryAfterMs)
    }

    const rate = connection.sendRatePerSecond ?? this.#options.defaultRatePerSecond
    let wait = this.#buckets.take(connection.id, rate)
    if (wait > MAX_RATE_WAIT_MS) return this.#defer(row, wait)
    while (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait))
      wait = this.#buckets.take(connection.id, rate)
    }

    let externalId: string
    try {
      const result = await this.#withTimeout(driver.send(outbound.message))
      externalId = result.externalId
      if (!externalId)
        throw new ChannelSendError('The driver returned no external id', {
          retryable: false,
          code: 'no_external_id',
        })
    } catch (error) {
      return this.#handleSendError(row, outbound.message, error)
    }
    await this.#succeed(row, outbound.message, externalId)
  }

  /** The message as the driver sees it; null when there is nothing to send any more. */
  async #load(row: ClaimedRow): Promise<{ message: OutboundMessage } | null> {
    const message = await db
      .from('messages')
      .join('conversations', 'conversations.id', 'messages.conversation_id')
      .join('contacts', 'contacts.id', 'conversations.contact_id')
      .where('messages.id', row.messageId)
      .select(
        'messages.*',
        'conversations.contact_id',
        'contacts.phone_e164 as contact_phone_e164',
        'contacts.wa_id as contact_wa_id',
        'contacts.lid as contact_lid',
        'contacts.bsuid as contact_bsuid'
      )
      .first()
    // Already sent (or never sendable): the row has nothing left to do.
    if (!message || message.status !== 'queued' || message.kind === 'note') return null

    let replyTo: OutboundMessage['replyTo'] = null
    if (message.reply_to_message_id) {
      const quoted = await db
        .from('messages')
        .where('id', message.reply_to_message_id)
        .select('id', 'external_id', 'metadata')
        .first()
      if (quoted)
        replyTo = {
          messageId: Number(quoted.id),
          externalId: quoted.external_id,
          metadata: quoted.metadata ?? {},
        }
    }
    const hasMedia = message.media_path || message.media_provider_id
    return {
      message: {
        messageId: Number(message.id),
        connectionId: Number(message.connection_id),
        conversationId: Number(message.conversation_id),
        to: {
          contactId: Number(message.contact_id),
          phoneE164: message.contact_phone_e164,
          waId: message.contact_wa_id,
          lid: message.contact_lid,
          bsuid: message.contact_bsuid,
        },
        kind: message.kind as OutboundKind,
        body: message.body,
        media: hasMedia
          ? {
              path: message.media_path,
              mime: message.media_mime,
              size: message.media_size === null ? null : Number(message.media_size),
              filename: message.media_filename,
              sha256: message.media_sha256,
              providerMediaId: message.media_provider_id,
            }
          : null,
        replyTo,
        metadata: message.metadata ?? {},
        attempt: row.attempts,
      },
    }
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ChannelSendError('The send timed out', { retryable: true, code: 'timeout' })),
        this.#options.sendTimeoutMs
      )
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
  }

  async #succeed(row: ClaimedRow, message: OutboundMessage, externalId: string) {
    const previous = await db.transaction(async (trx) => {
      const owned = await trx
        .from('outbox')
        .where('id', row.id)
        .where('locked_by', this.instanceId)
        .where('state', 'in_flight')
        .update({
          state: 'done',
          locked_by: null,
          locked_until: null,
          last_error: null,
          updated_at: new Date(),
        })
      if (!Number(owned)) {
        // Our lease expired mid-send and another dispatcher took the row: it records the result.
        logger.warn(
          { outboxId: row.id, messageId: row.messageId },
          'outbox lease lost during a send'
        )
        return null
      }
      // An echo of this very message may already be stored under the id (a driver that reports its own
      // sends): the echo is the same message, so it gives way to ours.
      await trx
        .from('messages')
        .where('connection_id', message.connectionId)
        .where('external_id', externalId)
        .whereNot('id', message.messageId)
        .whereNull('author_user_id')
        .where('direction', 'out')
        .delete()
      // Any other holder of the id means a driver bug; the message did go out, so it is recorded as
      // sent without the id (its later statuses are lost) rather than failing and being sent again.
      const taken = await trx
        .from('messages')
        .where('connection_id', message.connectionId)
        .where('external_id', externalId)
        .whereNot('id', message.messageId)
        .select('id')
        .first()
      if (taken) {
        logger.warn(
          { messageId: message.messageId, externalId },
          'driver returned an external id already in use'
        )
      }
      const current = await trx
        .from('messages')
        .where('id', message.messageId)
        .forUpdate()
        .select('status')
        .first()
      await trx
        .from('messages')
        .where('id', message.messageId)
        .update({
          external_id: taken ? null : externalId,
          status: current?.status === 'queued' ? 'sent' : current?.status,
          sent_at: trx.raw('COALESCE(sent_at, now())'),
        })
      return (current?.status ?? null) as MessageStatus | null
    })
    if (previous === 'queued') {
      await publish('conversation:message_status', {
        connectionId: message.connectionId,
        conversationId: message.conversationId,
        messageId: message.messageId,
        status: 'sent',
        previousStatus: 'queued',
        failureCode: null,
        failureReason: null,
      })
    }
    // Receipts that beat this write were kept aside (status_tracker): apply them now.
    if (previous !== null) await applyEarlyStatuses(message.connectionId, externalId)
  }

  async #handleSendError(row: ClaimedRow, message: OutboundMessage, error: unknown) {
    const sendError =
      error instanceof ChannelSendError
        ? error
        : // Anything else (a network error, a driver bug) may pass on a later try.
          new ChannelSendError((error as Error)?.message ?? String(error), {
            retryable: true,
            code: 'driver_error',
          })
    const reason = sendError.reason ?? sendError.message

    if (sendError.retryable && row.attempts < this.#options.maxAttempts) {
      const delay = Math.max(this.backoff(row.attempts), sendError.retryAfterMs ?? 0)
      await db
        .from('outbox')
        .where('id', row.id)
        .where('locked_by', this.instanceId)
        .update({
          state: 'pending',
          next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delay / 1000]),
          locked_by: null,
          locked_until: null,
          last_error: describe(sendError),
          updated_at: new Date(),
        })
      return
    }
    await this.#fail(row, message, {
      code: sendError.code,
      reason,
      exhausted: sendError.retryable,
      error: sendError,
    })
  }

  /** Delay before attempt `attempts + 1`: exponential, capped, with "equal jitter" (half fixed, half random). */
  backoff(attempts: number) {
    const exponential = Math.min(
      this.#options.maxDelayMs,
      this.#options.baseDelayMs * 2 ** Math.max(0, attempts - 1)
    )
    return Math.round(exponential / 2 + (exponential / 2) * this.#options.random())
  }

  async #fail(
    row: ClaimedRow,
    message: OutboundMessage,
    failure: { code: string | null; reason: string; exhausted: boolean; error?: ChannelSendError }
  ) {
    const previous = await db.transaction(async (trx) => {
      const owned = await trx
        .from('outbox')
        .where('id', row.id)
        .where('locked_by', this.instanceId)
        .update({
          state: 'dead',
          locked_by: null,
          locked_until: null,
          last_error: failure.error ? describe(failure.error) : failure.reason,
          updated_at: new Date(),
        })
      if (!Number(owned)) return null
      const current = await trx
        .from('messages')
        .where('id', message.messageId)
        .forUpdate()
        .select('status')
        .first()
      if (current?.status !== 'queued') return null
      await trx.from('messages').where('id', message.messageId).update({
        status: 'failed',
        failed_at: new Date(),
        failure_code: failure.code,
        failure_reason: failure.reason,
      })
      return 'queued' as const
    })
    if (!previous) return

    await publish('conversation:message_status', {
      connectionId: message.connectionId,
      conversationId: message.conversationId,
      messageId: message.messageId,
      status: 'failed',
      previousStatus: previous,
      failureCode: failure.code,
      failureReason: failure.reason,
    })
    // R-OPS-1: a message given up after every retry is a fault someone must look at.
    if (failure.exhausted) {
      await systemEventLog.record({
        level: 'critical',
        category: 'outbox.send_failed',
        message: `Message ${message.messageId} could not be sent after ${row.attempts} attempts: ${failure.reason}`,
        context: {
          messageId: message.messageId,
          conversationId: message.conversationId,
          connectionId: message.connectionId,
          attempts: row.attempts,
          code: failure.code,
        },
      })
    }
  }

  /** Puts a row back without counting the attempt (no driver yet, or the rate limit says later). */
  async #defer(row: ClaimedRow, delayMs: number) {
    await db
      .from('outbox')
      .where('id', row.id)
      .where('locked_by', this.instanceId)
      .update({
        state: 'pending',
        attempts: db.raw('GREATEST(attempts - 1, 0)'),
        next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delayMs / 1000]),
        locked_by: null,
        locked_until: null,
        updated_at: new Date(),
      })
  }

  async #finish(row: ClaimedRow, state: 'done', lastError: string | null) {
    await db.from('outbox').where('id', row.id).where('locked_by', this.instanceId).update({
      state,
      locked_by: null,
      locked_until: null,
      last_error: lastError,
      updated_at: new Date(),
    })
  }
}

function describe(error: ChannelSendError) {
  return [error.code, error.reason ?? error.message].filter(Boolean).join(': ')
}
