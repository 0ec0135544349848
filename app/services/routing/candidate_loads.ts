import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { IDLE_MINUTES_SQL } from '#services/routing/agent_presence'

export interface Candidate {
  userId: number
  openLoad: number
  lastAssignedAt: Date | null
}

/**
 * The available agents among `userIds` with their open load (chats not
 * resolved, on any connection). Available = active user, active role that
 * may hold chats, presence `online` and seen within the idle limit.
 * One query, whatever the number of agents.
 */
export async function availableCandidates(
  trx: TransactionClientContract,
  userIds: number[]
): Promise<Candidate[]> {
  if (!userIds.length) return []
  const result = await trx.rawQuery(
    `SELECT u.id, p.last_assigned_at,
            (SELECT count(*) FROM conversations c
              WHERE c.assigned_user_id = u.id AND c.state <> 'resolved')::int AS open_load
       FROM users u
       JOIN roles r ON r.id = u.role_id AND r.is_active
       JOIN agent_presence p ON p.user_id = u.id
      WHERE u.id = ANY(?::int[])
        AND u.is_active
        AND p.status = 'online'
        AND p.last_seen_at >= now() - make_interval(mins => ${IDLE_MINUTES_SQL})
        AND (r.key = 'admin' OR EXISTS (
              SELECT 1 FROM role_permissions rp
               WHERE rp.role_id = r.id AND rp.permission_key IN ('chats.view_own', 'chats.view_all')))`,
    [[...new Set(userIds)]]
  )
  return result.rows.map((row: any) => ({
    userId: Number(row.id),
    openLoad: Number(row.open_load),
    lastAssignedAt: row.last_assigned_at ? new Date(row.last_assigned_at) : null,
  }))
}

/**
 * The least-loaded candidate under the limit; ties go to whoever got a
 * chat longest ago (never = first), then the lower id, so N chats over K
 * equal agents differ by at most one.
 */
export function leastLoaded(candidates: Candidate[], limit: number | null): Candidate | null {
  let best: Candidate | null = null
  for (const candidate of candidates) {
    if (limit !== null && candidate.openLoad >= limit) continue
    if (!best || before(candidate, best)) best = candidate
  }
  return best
}

function before(a: Candidate, b: Candidate) {
  if (a.openLoad !== b.openLoad) return a.openLoad < b.openLoad
  const at = a.lastAssignedAt?.getTime() ?? -Infinity
  const bt = b.lastAssignedAt?.getTime() ?? -Infinity
  if (at !== bt) return at < bt
  return a.userId < b.userId
}
