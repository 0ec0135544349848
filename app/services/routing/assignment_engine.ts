import db from '@adonisjs/lucid/services/db'
import { preparedQuery } from '#services/prepared_query'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/inbox_events'
import type { AssignmentReason } from '#services/routing/assignment_history'
import {
  availableCandidates,
  hasRoom,
  leastLoadedAmong,
  leastLoadedInPool,
} from '#services/routing/candidate_loads'
import { defaultRule, type RoutingRule } from '#services/routing/routing_rules'

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
 * Concurrency: one transaction-scoped advisory lock serializes the
 * decisions (taken in the same statement that reads and locks the
 * conversation row; nothing else takes it, so lock order cannot cycle), so
 * two chats arriving at once never both see the same free slot. It is held
 * for the few statements of one decision (benchmarks/assignment.bench.ts),
 * never during message ingestion: routing runs after the ingest commit.
 */
export class AssignmentEngine {
  async route(conversationId: number): Promise<RouteOutcome> {
    const outcome = await this.decide(conversationId)
    if (outcome.outcome === 'assigned') {
      await publish('conversation:assigned', {
        conversationId,
        userId: outcome.userId,
        previousUserId: null,
      })
    }
    return outcome
  }

  /** The decision and its write, committed, without announcing it (route() announces). */
  decide(conversationId: number): Promise<RouteOutcome> {
    return db.transaction(async (trx) => this.#decide(trx, conversationId))
  }

  /**
   * The decision inside the caller's transaction (which then owns the commit
   * and the `conversation:assigned` announcement). Takes the routing lock
   * until that transaction ends, so keep it short.
   */
  decideWithin(trx: TransactionClientContract, conversationId: number): Promise<RouteOutcome> {
    return this.#decide(trx, conversationId)
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
    // One statement: the routing lock (a materialized CTE runs before the row locks of the
    // outer query), then everything the decision needs, the conversation row locked until commit.
    const row = (
      await preparedQuery(
        trx,
        `WITH routing_lock AS MATERIALIZED (
           SELECT pg_advisory_xact_lock(hashtextextended('chasqui:routing', 0))
         )
         SELECT c.state, c.assigned_user_id, c.connection_id,
                COALESCE(c.department_id, k.default_department_id) AS department_id,
                k.known_clients_only, cl.id AS client_id, cl.responsible_user_id,
                r.auto_assign, r.responsible_first, r.fallback_to_pool, r.max_open_per_agent,
                ARRAY(SELECT d.delegate_user_id FROM routing_delegations d
                       WHERE d.connection_id = c.connection_id AND d.owner_user_id = cl.responsible_user_id) AS delegates,
                ARRAY(SELECT b.user_id FROM routing_unowned_agents b
                       WHERE b.connection_id = c.connection_id) AS bucket
           FROM routing_lock, conversations c
           JOIN connections k ON k.id = c.connection_id
           JOIN contacts ct ON ct.id = c.contact_id
           LEFT JOIN clients cl ON cl.id = ct.client_id AND cl.is_active
           LEFT JOIN routing_rules r ON r.connection_id = c.connection_id
          WHERE c.id = ?
          FOR UPDATE OF c`,
        [conversationId]
      )
    ).rows[0]
    if (!row || row.state === 'resolved' || row.assigned_user_id) return { outcome: 'skipped' }
    const connectionId = Number(row.connection_id)

    // A "known" sender is a contact of an active client (known_senders.ts says the same).
    if (row.known_clients_only && !row.client_id) {
      await this.#leave(trx, conversationId, 'unknown_sender', false)
      return { outcome: 'unknown_sender' }
    }
    const rule: RoutingRule =
      row.auto_assign === null
        ? defaultRule(connectionId)
        : {
            connectionId,
            autoAssign: !!row.auto_assign,
            responsibleFirst: !!row.responsible_first,
            fallbackToPool: !!row.fallback_to_pool,
            maxOpenPerAgent:
              row.max_open_per_agent === null ? null : Number(row.max_open_per_agent),
          }
    if (!rule.autoAssign) {
      await this.#leave(trx, conversationId, 'manual', false)
      return { outcome: 'manual' }
    }

    const choice = await this.#choose(trx, rule, {
      connectionId,
      responsibleId: row.responsible_user_id ? Number(row.responsible_user_id) : null,
      delegates: (row.delegates as number[]).map(Number),
      bucket: (row.bucket as number[]).map(Number),
      departmentId: row.department_id ? Number(row.department_id) : null,
    })
    if (!choice) {
      await this.#leave(trx, conversationId, 'queued', true)
      return { outcome: 'queued' }
    }

    // Assignment, the agent's tie-breaker and the history line in one statement.
    await preparedQuery(
      trx,
      `WITH assigned AS (
         UPDATE conversations
            SET assigned_user_id = :user,
                state = CASE WHEN state = 'new' THEN 'pending' ELSE state END,
                routing_queued_at = NULL, routing_state = NULL, updated_at = now()
          WHERE id = :conversation
       ), presence AS (
         UPDATE agent_presence SET last_assigned_at = clock_timestamp() WHERE user_id = :user
       )
       INSERT INTO conversation_assignment_history
         (conversation_id, from_user_id, to_user_id, actor_user_id, reason, created_at)
       VALUES (:conversation, NULL, :user, NULL, :reason, now())`,
      { user: choice.userId, conversation: conversationId, reason: choice.reason }
    )
    return { outcome: 'assigned', userId: choice.userId, reason: choice.reason }
  }

  async #choose(
    trx: TransactionClientContract,
    rule: RoutingRule,
    target: {
      connectionId: number
      responsibleId: number | null
      delegates: number[]
      bucket: number[]
      departmentId: number | null
    }
  ): Promise<{ userId: number; reason: AssignmentReason } | null> {
    const limit = rule.maxOpenPerAgent
    const responsible = target.responsibleId
    if (rule.responsibleFirst) {
      if (responsible) {
        const [own] = await availableCandidates(trx, [responsible])
        if (own && hasRoom(own, limit)) {
          return { userId: responsible, reason: 'rule.responsible' }
        }
        const delegate = await leastLoadedAmong(
          trx,
          target.delegates.filter((id) => id !== responsible),
          limit
        )
        if (delegate) return { userId: delegate.userId, reason: 'rule.delegate' }
        if (!rule.fallbackToPool) return null
      } else if (target.bucket.length) {
        const pick = await leastLoadedAmong(trx, target.bucket, limit)
        if (pick) return { userId: pick.userId, reason: 'rule.no_responsible' }
        if (!rule.fallbackToPool) return null
      }
    }
    const pick = await leastLoadedInPool(trx, target.connectionId, target.departmentId, limit)
    return pick ? { userId: pick.userId, reason: 'rule.balanced' } : null
  }

  async #leave(
    trx: TransactionClientContract,
    conversationId: number,
    routingState: 'queued' | 'unknown_sender' | 'manual',
    queue: boolean
  ) {
    await preparedQuery(
      trx,
      `UPDATE conversations
          SET routing_state = ?,
              routing_queued_at = CASE WHEN ? THEN COALESCE(routing_queued_at, opened_at) ELSE NULL END
        WHERE id = ?`,
      [routingState, queue, conversationId]
    )
  }
}

export default new AssignmentEngine()
