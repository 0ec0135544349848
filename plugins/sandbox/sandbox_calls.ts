import { randomUUID } from 'node:crypto'
import type { CallStatus } from '#channels/ingest_port'
import { sandboxContext } from './plugin_context.js'
import type { SandboxCustomer } from './sandbox_phone.js'

export type SandboxCallStatus = 'offer' | 'ringing' | 'missed' | 'rejected'

export interface SandboxCall {
  id: number
  connection_id: number
  customer_id: number
  call_id: string
  is_video: boolean
  status: SandboxCallStatus
  created_at: Date
  ended_at: Date | null
}

const LIVE: SandboxCallStatus[] = ['offer', 'ringing']

export function isLive(call: Pick<SandboxCall, 'status'>) {
  return LIVE.includes(call.status)
}

/**
 * Calls from the sandbox customer phone, reported through
 * `ctx.ports.ingest.call()` as a real provider's call events would be.
 * Each step is an atomic move of the call's row (a call settled by one
 * side is never reopened by the other), and the steps of one call are
 * reported in order: a late "ringing" must not land after "rejected".
 */
export class SandboxCalls {
  #chains = new Map<string, Promise<unknown>>()
  #timers = new Set<NodeJS.Timeout>()

  get #ctx() {
    return sandboxContext()
  }

  /** This customer's calls, oldest first (the phone shows them in the chat). */
  of(customerId: number): Promise<SandboxCall[]> {
    return this.#ctx.db.from('sandbox_calls').where('customer_id', customerId).orderBy('id', 'asc')
  }

  async find(connectionId: number, id: number): Promise<SandboxCall | null> {
    const row = await this.#ctx.db
      .from('sandbox_calls')
      .where({ connection_id: connectionId, id })
      .first()
    return row ?? null
  }

  /**
   * The customer calls the business: the call is offered, then rings, and
   * nobody answering within `callTimeoutSeconds` makes it missed. Null when
   * this customer already has a call going. The channel may decline it while
   * it is being offered (the calls plugin's auto-reject runs right there).
   */
  async ring(
    connectionId: number,
    customer: SandboxCustomer,
    options: { isVideo?: boolean; callId?: string } = {}
  ) {
    const call = await this.place(connectionId, customer, options)
    if (call && isLive(call)) {
      const seconds = this.#ctx.settings.get().callTimeoutSeconds
      this.#later(seconds * 1000, () => this.hangUp(connectionId, call.call_id))
    }
    return call
  }

  /** Offers and rings the call without an expiry (the caller ends it: see `sandbox:message --call`). */
  async place(
    connectionId: number,
    customer: SandboxCustomer,
    { isVideo = false, callId = `sbx-call-${randomUUID()}` }: { isVideo?: boolean; callId?: string }
  ): Promise<SandboxCall | null> {
    let row: SandboxCall
    try {
      ;[row] = await this.#ctx.db
        .table('sandbox_calls')
        .insert({
          connection_id: connectionId,
          customer_id: customer.id,
          call_id: callId,
          is_video: isVideo,
          status: 'offer',
          created_at: new Date(),
        })
        .returning('*')
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return null
      throw error
    }
    try {
      await this.#report(row, customer, 'offer')
    } catch (error) {
      // Never reported: it must not keep the customer "in a call".
      await this.#ctx.db.from('sandbox_calls').where('id', row.id).delete()
      throw error
    }
    return (await this.#move(connectionId, callId, ['offer'], 'ringing')) ?? this.#reload(row)
  }

  /** The customer hangs up (or the line gives up) before the business answered: missed. */
  hangUp(connectionId: number, callId: string) {
    return this.#move(connectionId, callId, LIVE, 'missed')
  }

  /** The business declined the call (the driver's rejectCall). */
  reject(connectionId: number, callId: string) {
    return this.#move(connectionId, callId, LIVE, 'rejected')
  }

  /** Calls left ringing by a previous run (its timers are gone): they were not answered. */
  async expireStale(connectionId: number) {
    const stale = await this.#ctx.db
      .from('sandbox_calls')
      .where('connection_id', connectionId)
      .whereIn('status', LIVE)
      .select('call_id')
    for (const { call_id: callId } of stale) await this.hangUp(connectionId, callId)
  }

  stopTimers() {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  /** Moves the call from one of `from` to `to` and reports it; null when it was elsewhere already. */
  #move(connectionId: number, callId: string, from: SandboxCallStatus[], to: SandboxCallStatus) {
    return this.#serial(callId, async () => {
      const [row] = await this.#ctx.db
        .from('sandbox_calls')
        .where({ connection_id: connectionId, call_id: callId })
        .whereIn('status', from)
        .update({ status: to, ...(LIVE.includes(to) ? {} : { ended_at: new Date() }) })
        .returning('*')
      if (!row) return null
      const customer = await this.#ctx.db
        .from('sandbox_customers')
        .where('id', row.customer_id)
        .first()
      await this.#report(row, customer, to)
      return row as SandboxCall
    })
  }

  #report(call: SandboxCall, customer: SandboxCustomer, status: CallStatus) {
    return this.#ctx.ports.ingest.call(call.connection_id, {
      callId: call.call_id,
      contact: { phone: customer.phone, profileName: customer.name },
      direction: 'in',
      status,
      isVideo: call.is_video,
      at: new Date(),
    })
  }

  async #reload(call: SandboxCall) {
    return (await this.find(call.connection_id, call.id)) ?? call
  }

  #serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.catch(() => {})
    this.#chains.set(key, settled)
    settled.then(() => {
      if (this.#chains.get(key) === settled) this.#chains.delete(key)
    })
    return next
  }

  #later(ms: number, work: () => Promise<unknown>) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      work().catch((error) => this.#ctx.logger.warn({ err: error }, 'sandbox call expiry failed'))
    }, ms)
    timer.unref()
    this.#timers.add(timer)
  }
}

export default new SandboxCalls()
