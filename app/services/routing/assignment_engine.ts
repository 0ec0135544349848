import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/inbox_events'
import { recordAssignmentChange, type AssignmentReason } from '#services/routing/assignment_history'
import { availableCandidates, leastLoaded, type Candidate } from '#services/routing/candidate_loads'
import { isKnownSender } from '#services/routing/known_senders'
import {
  delegatesOf,
  poolOf,
  ruleFor,
  unownedAgentsOf,
  type RoutingRule,
} from '#services/routing/routing_rules'

export type RouteOutcome =
  | { outcome: 'assigned'; userId: number; reason: AssignmentReason }
  | { outcome: 'queued' }
  | { outcome: 'unknown_sender' }
  | { outcome: 'manual' }
  | { outcome: 'skipped' }

/** How many queued chats one pass of `serveQueue` looks at (oldest first). */
const QUEUE_BATCH = 50

/**
 * Automatic assignment (R-CT-6, R-INT-4). For one unassigned, open
 * conversation:
 *
 * 1. "known clients only" connection and an unknown sender → no agent
 *    (routing_state = unknown_sender); the auto-reply is the automatic
 *    messages' job.
 * 2. Rules off for the connection → stays unassigned for supervisors.
 * 3. Responsible agent first: the client's responsible agent if available
 *    and under the limit, else the least loaded of their delegates; a
 *    client with no responsible agent (or no client) goes to the least
 *    loaded agent of the connection's "no responsible agent" bucket.
 * 4. Else (or when that group is full and the rule falls back) the least
 *    loaded available agent of the connection's pool (its agents, else
 *    its department's members).
 * 5. Nobody free → the conversation waits in the queue (routing_queued_at),
 *    served oldest first by `serveQueue` when capacity frees.
 *
 * Concurrency: the conversation row is locked first, then one
 * transaction-scoped advisory lock serializes the decisions themselves, so
 * two chats arriving at once never both see the same free slot. The lock is
 * held only for the load query and the update (a few ms; see
 * benchmarks/assignment.bench.ts), never during message ingestion.
 */
export class AssignmentEngine {
  async route(conversationId: number): Promise<RouteOutcome> {
    const outcome = await db.transaction(async (trx) => this.#decide(trx, conversationId))
    if (outcome.outcome === 'assigned') {
      await publish('conversation:assigned', {
        conversationId,
        userId: outcome.userId,
        previousUserId: null,
      })
    }
    return outcome
  }

  /**
   * Hands queued conversations to agents with free capacity, oldest first.
   * Each conversation is its own short decision; one that cannot be placed
   * (its group is full) does not hold back the ones behind it.
   */
  async serveQueue() {
    const queued = await db
      .from('conversations')
      .whereNotNull('routing_queued_at')
      .whereNull('assigned_user_id')
      .whereNot('state', 'resolved')
      .orderBy([
        { column: 'routing_queued_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(QUEUE_BATCH)
      .select('id')
    let assigned = 0
    for (const row of queued) {
      const result = await this.route(Number(row.id))
      if (result.outcome === 'assigned') assigned += 1
    }
    return { assigned, looked: queued.length }
  }

  async #decide(trx: TransactionClientContract, conversationId: number): Promise<RouteOutcome> {
    const conversation = await trx
      .from('conversations as c')
      .join('connections as k', 'k.id', 'c.connection_id')
      .where('c.id', conversationId)
      .forUpdate('c')
      .select(
        'c.id',
        'c.state',
        'c.assigned_user_id',
        'c.connection_id',
        'c.contact_id',
        'c.department_id',
        'c.opened_at',
        'k.known_clients_only',
        'k.default_department_id'
      )
      .first()
    if (!conversation || conversation.state === 'resolved' || conversation.assigned_user_id) {
      return { outcome: 'skipped' }
    }
    const connectionId = Number(conversation.connection_id)

    if (conversation.known_clients_only && !(await isKnownSender(trx, conversation.contact_id))) {
      await this.#leave(trx, conversationId, 'unknown_sender', false)
      return { outcome: 'unknown_sender' }
    }
    const rule = await ruleFor(connectionId, trx)
    if (!rule.autoAssign) {
      await this.#leave(trx, conversationId, 'manual', false)
      return { outcome: 'manual' }
    }

    await trx.rawQuery("SELECT pg_advisory_xact_lock(hashtextextended('chasqui:routing', 0))")
    const choice = await this.#choose(trx, rule, {
      connectionId,
      contactId: Number(conversation.contact_id),
      departmentId: conversation.department_id ?? conversation.default_department_id ?? null,
    })
    if (!choice) {
      await this.#leave(trx, conversationId, 'queued', true)
      return { outcome: 'queued' }
    }

    const now = new Date()
    await trx
      .from('conversations')
      .where('id', conversationId)
      .update({
        assigned_user_id: choice.userId,
        state: conversation.state === 'new' ? 'pending' : conversation.state,
        routing_queued_at: null,
        routing_state: null,
        updated_at: now,
      })
    await trx
      .from('agent_presence')
      .where('user_id', choice.userId)
      .update({ last_assigned_at: now })
    await recordAssignmentChange(trx, {
      conversationId,
      fromUserId: null,
      toUserId: choice.userId,
      actorUserId: null,
      reason: choice.reason,
    })
    return { outcome: 'assigned', userId: choice.userId, reason: choice.reason }
  }

  async #choose(
    trx: TransactionClientContract,
    rule: RoutingRule,
    target: { connectionId: number; contactId: number; departmentId: number | null }
  ): Promise<{ userId: number; reason: AssignmentReason } | null> {
    const limit = rule.maxOpenPerAgent
    if (rule.responsibleFirst) {
      const responsible = await responsibleOf(trx, target.contactId)
      if (responsible) {
        const delegates = await delegatesOf(target.connectionId, responsible, trx)
        const candidates = await availableCandidates(trx, [responsible, ...delegates])
        const own = candidates.find((c) => c.userId === responsible)
        if (own && (limit === null || own.openLoad < limit)) {
          return { userId: responsible, reason: 'rule.responsible' }
        }
        const delegate = leastLoaded(
          candidates.filter((c) => c.userId !== responsible),
          limit
        )
        if (delegate) return { userId: delegate.userId, reason: 'rule.delegate' }
        if (!rule.fallbackToPool) return null
      } else {
        const bucket = await unownedAgentsOf(target.connectionId, trx)
        if (bucket.length) {
          const pick = leastLoaded(await availableCandidates(trx, bucket), limit)
          if (pick) return { userId: pick.userId, reason: 'rule.no_responsible' }
          if (!rule.fallbackToPool) return null
        }
      }
    }
    const pool = await poolOf(target.connectionId, target.departmentId, trx)
    const pick: Candidate | null = leastLoaded(await availableCandidates(trx, pool), limit)
    return pick ? { userId: pick.userId, reason: 'rule.balanced' } : null
  }

  async #leave(
    trx: TransactionClientContract,
    conversationId: number,
    routingState: 'queued' | 'unknown_sender' | 'manual',
    queue: boolean
  ) {
    await trx.rawQuery(
      `UPDATE conversations
          SET routing_state = ?,
              routing_queued_at = CASE WHEN ? THEN COALESCE(routing_queued_at, opened_at) ELSE NULL END
        WHERE id = ?`,
      [routingState, queue, conversationId]
    )
  }
}

/** The responsible agent of the contact's (active) client, if any. */
async function responsibleOf(trx: TransactionClientContract, contactId: number) {
  const row = await trx
    .from('contacts as ct')
    .join('clients as cl', 'cl.id', 'ct.client_id')
    .where('ct.id', contactId)
    .where('cl.is_active', true)
    .select('cl.responsible_user_id')
    .first()
  return row?.responsible_user_id ? Number(row.responsible_user_id) : null
}

export default new AssignmentEngine()
