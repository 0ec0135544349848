import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

export interface RoutingRule {
  connectionId: number
  autoAssign: boolean
  responsibleFirst: boolean
  fallbackToPool: boolean
  /** null = no limit. */
  maxOpenPerAgent: number | null
}

/** A connection nobody configured yet: automatic, responsible agent first, no limit. */
export function defaultRule(connectionId: number): RoutingRule {
  return {
    connectionId,
    autoAssign: true,
    responsibleFirst: true,
    fallbackToPool: true,
    maxOpenPerAgent: null,
  }
}

type Client = Pick<typeof db, 'from'> | TransactionClientContract

export async function ruleFor(connectionId: number, client: Client = db): Promise<RoutingRule> {
  const row = await client.from('routing_rules').where('connection_id', connectionId).first()
  if (!row) return defaultRule(connectionId)
  return {
    connectionId,
    autoAssign: !!row.auto_assign,
    responsibleFirst: !!row.responsible_first,
    fallbackToPool: !!row.fallback_to_pool,
    maxOpenPerAgent: row.max_open_per_agent === null ? null : Number(row.max_open_per_agent),
  }
}

/** The "no responsible agent" bucket of a connection. */
export async function unownedAgentsOf(connectionId: number, client: Client = db) {
  const rows = await client
    .from('routing_unowned_agents')
    .where('connection_id', connectionId)
    .select('user_id')
  return rows.map((row) => Number(row.user_id))
}
