import db from '@adonisjs/lucid/services/db'
import type Connection from '#models/connection'
import type User from '#models/user'
import presence from '#services/routing/agent_presence'
import type { RoutingRule } from '#services/routing/routing_rules'

let phone = 593980000000

/** A phone number nobody used yet in this run. */
export function nextWaId() {
  phone += 1
  return String(phone)
}

export async function goOnline(...users: User[]) {
  for (const user of users) await presence.set(user.id, 'online', 'agent')
}

export async function setRule(
  connection: Connection,
  rule: Partial<Omit<RoutingRule, 'connectionId'>>
) {
  await db
    .knexQuery()
    .table('routing_rules')
    .insert({
      connection_id: connection.id,
      auto_assign: rule.autoAssign ?? true,
      responsible_first: rule.responsibleFirst ?? true,
      fallback_to_pool: rule.fallbackToPool ?? true,
      max_open_per_agent: rule.maxOpenPerAgent ?? null,
      updated_at: new Date(),
    })
    .onConflict('connection_id')
    .merge()
}

export async function servedBy(connection: Connection, ...users: User[]) {
  await db
    .table('connection_agents')
    .multiInsert(users.map((user) => ({ connection_id: connection.id, user_id: user.id })))
}

/** A client record with a contact for `waId` (a "known" sender). */
export async function knownClient(waId: string, responsible: User | null = null) {
  const now = new Date()
  const [client] = await db
    .table('clients')
    .insert({
      holder_name: `Cliente ${waId}`,
      responsible_user_id: responsible?.id ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  await db.table('contacts').insert({
    client_id: client.id,
    wa_id: waId,
    phone_e164: `+${waId}`,
    display_name: `Cliente ${waId}`,
    created_at: now,
    updated_at: now,
  })
  return Number(client.id)
}

export async function assigneeOf(conversationId: number) {
  const row = await db
    .from('conversations')
    .where('id', conversationId)
    .select('assigned_user_id', 'state', 'routing_state', 'routing_queued_at')
    .firstOrFail()
  return {
    userId: row.assigned_user_id ? Number(row.assigned_user_id) : null,
    state: row.state as string,
    routingState: row.routing_state as string | null,
    queuedAt: row.routing_queued_at as Date | null,
  }
}

export async function openLoads(users: User[]) {
  const loads: number[] = []
  for (const user of users) {
    const [row] = await db
      .from('conversations')
      .where('assigned_user_id', user.id)
      .whereNot('state', 'resolved')
      .count('* as total')
    loads.push(Number(row.total))
  }
  return loads
}
