import db from '@adonisjs/lucid/services/db'
import { metaContext } from '../plugin_context.js'
import metaNumbers from '../numbers/meta_numbers.js'
import { verifySignature } from './signature.js'
import { routeWebhook, type RoutedWebhook } from './webhook_processor.js'
import type { NormalizedInboundMessage } from '#channels/ingest_port'

export type IntakeResult = 'accepted' | 'bad_signature'

interface ClaimedWebhook {
  id: number
  body: string
  signature: string
  attempts: number
}

/** Webhooks claimed per round. */
const BATCH = 200
/**
 * Batches (and bodies' remaining items) handled side by side. More keeps
 * more database sessions runnable at once, and the acknowledgement's INSERT
 * then waits its turn for a core: at 1000 webhooks/s offered, 8 gave a
 * response p99 of 88–91 ms, 4 gave 23–42 ms at the same throughput, 2 lost
 * throughput (docs/BENCHMARKS.md, meta_webhook).
 */
const CONCURRENCY = 4
/** Plain messages stored per transaction (see #batches). */
const MESSAGE_BATCH = 16
/** Bodies read between two yields to pending I/O. */
const ROUTE_SLICE = 20
/** Bodies stored by one INSERT at most (group commit). */
const INSERT_BATCH = 200
const LEASE_SECONDS = 60
const MAX_ATTEMPTS = 8
const POLL_MS = 1000
const GATHER_MS = 15
const KEEP_DONE_DAYS = 7
const ACK_PRIORITY_MS = 10
const INTAKE_CONNECTION = 'meta_cloud_intake'

/**
 * The acknowledgement's INSERT gets its own small pool: on the shared pool it
 * queued behind the worker's ingest transactions and listeners (8 + n of 10
 * connections), which is where most of a webhook's response time went under
 * load. Same database and settings as the primary connection.
 */
function intakeDb() {
  if (!db.manager.has(INTAKE_CONNECTION)) {
    const primary = db.manager.get(db.primaryConnectionName)!.config
    db.manager.add(INTAKE_CONNECTION, { ...primary, pool: { min: 0, max: 2 } })
  }
  return db.connection(INTAKE_CONNECTION)
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** Lets pending I/O (incoming webhooks above all) run before the next item is processed. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Durable webhook intake (A.2): a verified body is stored first and
 * acknowledged, then processed by a worker that retries on failure. So a
 * slow pipeline never makes Meta wait (and retry), and nothing accepted is
 * lost across a crash. Rows are claimed with SKIP LOCKED and a lease, so any
 * number of instances can work the same table.
 */
interface QueuedBody {
  body: string
  signature: string
  done: (error?: unknown) => void
}

export class WebhookInbox {
  #queue: QueuedBody[] = []
  #flushing = false
  #running = false
  #loop: Promise<void> | null = null
  #wake: (() => void) | null = null
  #kicked = false
  #lastPrune = 0
  #intakes = 0
  #intakesIdle: (() => void)[] = []

  /** Verifies against every known app secret, then stores. Unknown signer → rejected. */
  async intake(raw: Buffer, signature: string | null | undefined): Promise<IntakeResult> {
    const secrets = await metaNumbers.appSecrets()
    if (!signature || !secrets.some((secret) => verifySignature(raw, signature, secret))) {
      return 'bad_signature'
    }
    this.#intakes++
    try {
      await this.#store(raw.toString('utf8'), signature)
    } finally {
      if (--this.#intakes === 0) for (const resume of this.#intakesIdle.splice(0)) resume()
    }
    this.kick()
    return 'accepted'
  }

  /**
   * Acknowledgements first: while webhooks are being stored, the worker waits
   * (at most ACK_PRIORITY_MS per item) so Meta's answers do not queue behind
   * processing for the same CPU and database; the backlog is worked off after.
   */
  #acksFirst(): Promise<void> {
    if (this.#intakes === 0 || ACK_PRIORITY_MS <= 0) return yieldToIo()
    return new Promise((resolve) => {
      const resume = () => {
        clearTimeout(timer)
        setImmediate(resolve)
      }
      // Timed out: leave the waiting list, so a steady flood of webhooks does not grow it.
      const timer = setTimeout(() => {
        const index = this.#intakesIdle.indexOf(resume)
        if (index >= 0) this.#intakesIdle.splice(index, 1)
        resolve()
      }, ACK_PRIORITY_MS)
      this.#intakesIdle.push(resume)
    })
  }

  /**
   * Group commit: bodies arriving while an INSERT runs go together in the
   * next one, so a burst of webhooks costs a few commits instead of one each,
   * and each is still durable before its 200.
   */
  #store(body: string, signature: string) {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ body, signature, done: (error) => (error ? reject(error) : resolve()) })
      if (!this.#flushing) void this.#flush()
    })
  }

  async #flush() {
    this.#flushing = true
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, INSERT_BATCH)
        try {
          await intakeDb()
            .table('meta_cloud_webhooks')
            .multiInsert(batch.map(({ body, signature }) => ({ body, signature })))
          for (const item of batch) item.done()
        } catch (error) {
          for (const item of batch) item.done(error)
        }
      }
    } finally {
      this.#flushing = false
    }
  }

  start() {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  async stop() {
    if (!this.#running) return
    this.#running = false
    this.kick()
    await this.#loop
    this.#loop = null
  }

  kick() {
    this.#kicked = true
    this.#wake?.()
  }

  /** Processes until no due row is left (tests, benchmarks). */
  async drain(timeoutMs = 15_000) {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      await this.runOnce()
      const left = await db
        .from('meta_cloud_webhooks')
        .where('state', 'pending')
        .where('next_attempt_at', '<=', db.raw('now()'))
        .count('* as n')
        .first()
      if (!Number(left?.n)) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('meta_cloud webhooks not drained in time')
  }

  async #run() {
    while (this.#running) {
      this.#kicked = false
      let claimed = 0
      try {
        claimed = await this.runOnce()
        await this.#prune()
      } catch (error) {
        metaContext().logger.error({ err: error }, 'meta webhook round failed')
      }
      if (!this.#running) break
      if (claimed === 0 && !this.#kicked) await this.#sleep(POLL_MS)
      // A part-filled round under load: let a few more webhooks arrive, so one claim and one
      // "done" statement serve many of them instead of one each.
      else if (claimed < BATCH) await new Promise((resolve) => setTimeout(resolve, GATHER_MS))
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

  async runOnce(): Promise<number> {
    const result = await db.rawQuery(
      `UPDATE meta_cloud_webhooks w SET
         attempts = w.attempts + 1,
         locked_until = now() + make_interval(secs => :lease)
       FROM (
         SELECT id FROM meta_cloud_webhooks
         WHERE state = 'pending' AND next_attempt_at <= now()
           AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at, id
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
       ) due
       WHERE w.id = due.id
       RETURNING w.id, w.body, w.signature, w.attempts`,
      { lease: LEASE_SECONDS, limit: BATCH }
    )
    const rows: ClaimedWebhook[] = (result.rows as any[])
      .map((row) => ({
        id: Number(row.id),
        body: row.body,
        signature: row.signature,
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.id - b.id)
    const lastAttempt = (row: ClaimedWebhook) => ({ lastAttempt: row.attempts >= MAX_ATTEMPTS })
    const failures = new Map<number, unknown>()
    const routed = new Map<number, RoutedWebhook>()
    for (const [index, row] of rows.entries()) {
      // Reading a body is synchronous work: let waiting acknowledgements through now and then.
      if (index % ROUTE_SLICE === ROUTE_SLICE - 1) await yieldToIo()
      try {
        routed.set(row.id, await routeWebhook(row.body, row.signature, lastAttempt(row)))
      } catch (error) {
        failures.set(row.id, error)
      }
    }

    // The round's plain messages first, stored a batch per transaction (one commit for many).
    await inParallel(this.#batches(routed), CONCURRENCY, async (batch) => {
      await this.#acksFirst()
      const outcomes = await metaContext().ports.ingest.messages(
        batch.connectionId,
        batch.items.map((item) => item.message)
      )
      outcomes.forEach((outcome, index) => {
        const rowId = batch.items[index].rowId
        if (!outcome.ok && !failures.has(rowId)) failures.set(rowId, outcome.error)
      })
    })
    // Then the rest of each body (media, statuses, calls, template changes), in order.
    await inParallel(
      rows.filter((row) => routed.has(row.id) && !failures.has(row.id)),
      CONCURRENCY,
      async (row) => {
        await this.#acksFirst()
        try {
          await routed.get(row.id)!.rest()
        } catch (error) {
          failures.set(row.id, error)
        }
      }
    )

    for (const row of rows) {
      if (failures.has(row.id)) await this.#failed(row, failures.get(row.id))
    }
    const done = rows.filter((row) => !failures.has(row.id)).map((row) => row.id)
    // One statement for the whole round instead of a commit per webhook.
    if (done.length) {
      await db
        .from('meta_cloud_webhooks')
        .whereIn('id', done)
        .update({ state: 'done', processed_at: new Date(), locked_until: null, last_error: null })
    }
    return rows.length
  }

  /**
   * The round's plain messages by connection, cut into batches of about
   * MESSAGE_BATCH that never split one customer's messages: batches run side
   * by side, and one customer's messages keep their order in one batch.
   */
  #batches(routed: Map<number, RoutedWebhook>) {
    const byConnection = new Map<
      number,
      Map<string, { rowId: number; message: NormalizedInboundMessage }[]>
    >()
    for (const [rowId, webhook] of routed) {
      for (const { connectionId, message } of webhook.plain) {
        const customers = byConnection.get(connectionId) ?? new Map()
        byConnection.set(connectionId, customers)
        const key = message.contact.waId ?? message.contact.bsuid ?? ''
        const list = customers.get(key) ?? []
        customers.set(key, list)
        list.push({ rowId, message })
      }
    }
    const batches: {
      connectionId: number
      items: { rowId: number; message: NormalizedInboundMessage }[]
    }[] = []
    for (const [connectionId, customers] of byConnection) {
      let items: { rowId: number; message: NormalizedInboundMessage }[] = []
      for (const list of customers.values()) {
        items.push(...list)
        if (items.length >= MESSAGE_BATCH) {
          batches.push({ connectionId, items })
          items = []
        }
      }
      if (items.length) batches.push({ connectionId, items })
    }
    return batches
  }

  /** A body that could not be processed: tried again later, or given up after MAX_ATTEMPTS. */
  async #failed(row: ClaimedWebhook, error: unknown) {
    const message = String((error as Error)?.message ?? error).slice(0, 2000)
    if (row.attempts >= MAX_ATTEMPTS) {
      await db
        .from('meta_cloud_webhooks')
        .where('id', row.id)
        .update({ state: 'failed', locked_until: null, last_error: message })
      await metaContext().systemEvents.record({
        level: 'critical',
        category: 'meta.webhook_failed',
        message: `A Meta webhook could not be processed after ${row.attempts} attempts: ${message}`,
        context: { webhookId: row.id },
      })
      return
    }
    const delaySeconds = Math.min(300, 2 ** row.attempts)
    await db
      .from('meta_cloud_webhooks')
      .where('id', row.id)
      .update({
        locked_until: null,
        last_error: message,
        next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delaySeconds]),
      })
  }

  /** Meta redelivers for up to 7 days; older processed bodies are no longer needed. */
  async #prune() {
    if (Date.now() - this.#lastPrune < 3600_000) return
    this.#lastPrune = Date.now()
    await db
      .from('meta_cloud_webhooks')
      .where('state', 'done')
      .where('received_at', '<', db.raw(`now() - interval '${KEEP_DONE_DAYS} days'`))
      .delete()
  }
}

export default new WebhookInbox()
