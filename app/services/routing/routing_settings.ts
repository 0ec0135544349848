import db from '@adonisjs/lucid/services/db'
import type { Infer } from '@vinejs/vine/types'
import auditTrail from '#services/audit_trail'
import conversationAssigner from '#services/conversation_assigner'
import engine from '#services/routing/assignment_engine'
import { IDLE_MINUTES_SQL } from '#services/routing/agent_presence'
import { ruleFor, unownedAgentsOf } from '#services/routing/routing_rules'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import type { routingRuleValidator } from '#validators/routing_validator'

export type RoutingRuleInput = Infer<typeof routingRuleValidator>
interface Actor {
  id: number
  ip?: string | null
}

/**
 * The routing page's writes (rules.manage): a connection's rule, its
 * "known clients only" mode and auto-reply, its "no responsible agent"
 * bucket, its delegations; and the organization's idle limit. Audited.
 * After a change the queue is served again: a higher limit or a new
 * bucket may free capacity for waiting chats.
 */
export class RoutingSettings {
  async updateRule(actor: Actor, connectionId: number, input: RoutingRuleInput) {
    await db.transaction(async (trx) => {
      const connection = await trx
        .from('connections')
        .where('id', connectionId)
        .forUpdate()
        .select('id', 'known_clients_only', 'unknown_sender_message')
        .firstOrFail()
      const before = {
        ...(await ruleFor(connectionId, trx)),
        knownClientsOnly: connection.known_clients_only,
        unknownSenderMessage: connection.unknown_sender_message,
        unownedAgentIds: await unownedAgentsOf(connectionId, trx),
      }
      const assignable = input.unownedAgentIds?.length
        ? await conversationAssigner
            .assignableUsers(trx)
            .whereIn('u.id', input.unownedAgentIds)
            .clearOrder()
        : []
      const bucket = assignable.map((row: { id: number }) => Number(row.id)).sort((a, b) => a - b)

      const rule = {
        auto_assign: !!input.autoAssign,
        responsible_first: !!input.responsibleFirst,
        fallback_to_pool: !!input.fallbackToPool,
        max_open_per_agent: input.maxOpenPerAgent ?? null,
        updated_by: actor.id,
        updated_at: new Date(),
      }
      await trx
        .knexQuery()
        .table('routing_rules')
        .insert({ connection_id: connectionId, ...rule })
        .onConflict('connection_id')
        .merge()
      await trx
        .from('connections')
        .where('id', connectionId)
        .update({
          known_clients_only: !!input.knownClientsOnly,
          unknown_sender_message: input.unknownSenderMessage || null,
          updated_at: new Date(),
        })
      await trx.from('routing_unowned_agents').where('connection_id', connectionId).delete()
      if (bucket.length) {
        await trx
          .table('routing_unowned_agents')
          .multiInsert(bucket.map((userId) => ({ connection_id: connectionId, user_id: userId })))
      }
      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'routing.rule_updated',
          subjectType: 'connection',
          subjectId: connectionId,
          before,
          after: {
            ...(await ruleFor(connectionId, trx)),
            knownClientsOnly: !!input.knownClientsOnly,
            unknownSenderMessage: input.unknownSenderMessage || null,
            unownedAgentIds: bucket,
          },
          ip: actor.ip ?? null,
        },
        trx
      )
    })
    await engine.serveQueue()
  }

  async addDelegation(actor: Actor, connectionId: number, ownerId: number, delegateId: number) {
    if (ownerId === delegateId) {
      throw new RuleViolationException('routing.errors.self_delegation', 'delegateUserId')
    }
    await db.transaction(async (trx) => {
      await trx.from('connections').where('id', connectionId).forUpdate().firstOrFail()
      const users = await conversationAssigner
        .assignableUsers(trx)
        .whereIn('u.id', [ownerId, delegateId])
        .clearOrder()
      if (users.length !== 2) {
        throw new RuleViolationException('routing.errors.not_assignable', 'delegateUserId')
      }
      const inserted = await trx
        .knexQuery()
        .table('routing_delegations')
        .insert({
          connection_id: connectionId,
          owner_user_id: ownerId,
          delegate_user_id: delegateId,
          created_at: new Date(),
        })
        .onConflict(['connection_id', 'owner_user_id', 'delegate_user_id'])
        .ignore()
        .returning('id')
      if (!inserted.length) {
        throw new RuleViolationException('routing.errors.duplicate_delegation', 'delegateUserId')
      }
      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'routing.delegation_added',
          subjectType: 'connection',
          subjectId: connectionId,
          before: null,
          after: { ownerUserId: ownerId, delegateUserId: delegateId },
          ip: actor.ip ?? null,
        },
        trx
      )
    })
  }

  async removeDelegation(actor: Actor, connectionId: number, delegationId: number) {
    await db.transaction(async (trx) => {
      const row = await trx
        .from('routing_delegations')
        .where('id', delegationId)
        .where('connection_id', connectionId)
        .forUpdate()
        .firstOrFail()
      await trx.from('routing_delegations').where('id', delegationId).delete()
      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'routing.delegation_removed',
          subjectType: 'connection',
          subjectId: connectionId,
          before: { ownerUserId: row.owner_user_id, delegateUserId: row.delegate_user_id },
          after: null,
          ip: actor.ip ?? null,
        },
        trx
      )
    })
  }

  async setIdleMinutes(actor: Actor, minutes: number) {
    await db.transaction(async (trx) => {
      const organization = await trx.from('organizations').orderBy('id').forUpdate().firstOrFail()
      await trx
        .from('organizations')
        .where('id', organization.id)
        .update({ presence_idle_minutes: minutes, updated_at: new Date() })
      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'routing.idle_limit_updated',
          subjectType: 'organization',
          subjectId: organization.id,
          before: { idleMinutes: organization.presence_idle_minutes },
          after: { idleMinutes: minutes },
          ip: actor.ip ?? null,
        },
        trx
      )
    })
  }

  /** Per-agent limits; an empty one removes the agent's own limit. Unknown users are ignored. */
  async setAgentLimits(actor: Actor, limits: { userId: number; maxOpen?: number | null }[]) {
    await db.transaction(async (trx) => {
      const ids = limits.map((l) => l.userId)
      const known = new Set(
        (await conversationAssigner.assignableUsers(trx).whereIn('u.id', ids).clearOrder()).map(
          (row: { id: number }) => Number(row.id)
        )
      )
      const before = await trx.from('agent_limits').whereIn('user_id', ids).orderBy('user_id')
      for (const { userId, maxOpen } of limits) {
        if (!known.has(userId)) continue
        if (maxOpen) {
          await trx
            .knexQuery()
            .table('agent_limits')
            .insert({
              user_id: userId,
              max_open: maxOpen,
              updated_by: actor.id,
              updated_at: new Date(),
            })
            .onConflict('user_id')
            .merge()
        } else {
          await trx.from('agent_limits').where('user_id', userId).delete()
        }
      }
      const after = await trx.from('agent_limits').whereIn('user_id', ids).orderBy('user_id')
      const pick = (rows: any[]) => rows.map((r) => ({ userId: r.user_id, maxOpen: r.max_open }))
      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'routing.agent_limits_updated',
          subjectType: 'routing',
          subjectId: null,
          before: { limits: pick(before) },
          after: { limits: pick(after) },
          ip: actor.ip ?? null,
        },
        trx
      )
    })
    await engine.serveQueue()
  }

  /** Agents who can hold chats, with their availability, open load and own limit. */
  async agents() {
    return conversationAssigner
      .assignableUsers()
      .leftJoin('agent_presence as p', 'p.user_id', 'u.id')
      .leftJoin('agent_open_loads as l', 'l.user_id', 'u.id')
      .leftJoin('agent_limits as al', 'al.user_id', 'u.id')
      .select(
        db.raw(
          `CASE WHEN p.status IS NULL OR (p.status <> 'offline' AND (p.last_seen_at IS NULL
                  OR p.last_seen_at < now() - make_interval(mins => ${IDLE_MINUTES_SQL})))
                THEN 'offline' ELSE p.status END AS status`
        ),
        db.raw('COALESCE(l.open_count, 0) AS open_load'),
        'al.max_open'
      )
  }

  /** The routing page's overview: every connection with its rule and counts. */
  async overview() {
    const rows = await db
      .from('connections as k')
      .leftJoin('routing_rules as r', 'r.connection_id', 'k.id')
      .where('k.is_active', true)
      .orderBy('k.name')
      .select(
        'k.id',
        'k.name',
        'k.known_clients_only',
        db.raw('COALESCE(r.auto_assign, true) AS auto_assign'),
        db.raw('COALESCE(r.responsible_first, true) AS responsible_first'),
        'r.max_open_per_agent',
        db.raw(
          `(SELECT count(*) FROM conversations c WHERE c.connection_id = k.id AND c.routing_queued_at IS NOT NULL
             AND c.assigned_user_id IS NULL AND c.state <> 'resolved')::int AS queued`
        ),
        db.raw(
          `(SELECT count(*) FROM conversations c WHERE c.connection_id = k.id
             AND c.assigned_user_id IS NULL AND c.state <> 'resolved')::int AS unassigned`
        )
      )
    return rows
  }

  async delegations(connectionId: number) {
    return db
      .from('routing_delegations as d')
      .join('users as o', 'o.id', 'd.owner_user_id')
      .join('users as g', 'g.id', 'd.delegate_user_id')
      .where('d.connection_id', connectionId)
      .orderBy(['o.full_name', 'g.full_name'])
      .select('d.id', 'o.full_name as owner_name', 'g.full_name as delegate_name')
  }
}

export default new RoutingSettings()
