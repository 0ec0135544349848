import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { IDLE_MINUTES_SQL } from '#services/routing/agent_presence'

export interface Candidate {
  userId: number
  openLoad: number
  lastAssignedAt: Date | null
}

/**
 * Available = active user, active role that may hold chats, presence
 * `online` and seen within the idle limit. The open load (chats not
 * resolved, on any connection) comes from `agent_open_loads`, kept by a
 * trigger, so reading 200 agents is one index scan.
 */
const AVAILABLE = `
  SELECT u.id, p.last_assigned_at, COALESCE(l.open_count, 0) AS open_load
    FROM users u
    JOIN roles r ON r.id = u.role_id AND r.is_active
    JOIN agent_presence p ON p.user_id = u.id
    LEFT JOIN agent_open_loads l ON l.user_id = u.id
   WHERE u.id IN (SELECT user_id FROM pool)
     AND u.is_active
     AND p.status = 'online'
     AND p.last_seen_at >= now() - make_interval(mins => ${IDLE_MINUTES_SQL})
     AND (r.key = 'admin' OR EXISTS (
           SELECT 1 FROM role_permissions rp
            WHERE rp.role_id = r.id AND rp.permission_key IN ('chats.view_own', 'chats.view_all')))`

/** The available agents among `userIds`, with their open load. */
export async function availableCandidates(
  trx: TransactionClientContract,
  userIds: number[]
): Promise<Candidate[]> {
  if (!userIds.length) return []
  const result = await trx.rawQuery(
    `WITH pool AS (SELECT unnest(?::int[]) AS user_id) ${AVAILABLE}`,
    [[...new Set(userIds)]]
  )
  return result.rows.map(toCandidate)
}

const POOL_SQL = `WITH own AS (SELECT user_id FROM connection_agents WHERE connection_id = :connection),
          pool AS (
            SELECT user_id FROM own
            UNION ALL
            SELECT user_id FROM department_members
             WHERE department_id = :department AND NOT EXISTS (SELECT 1 FROM own))
     ${AVAILABLE}`

/**
 * The available agents of a connection's general pool: its own agents,
 * else the members of the department (the conversation's, else the
 * connection's default one). One query.
 */
export async function poolCandidates(
  trx: TransactionClientContract,
  connectionId: number,
  departmentId: number | null
): Promise<Candidate[]> {
  const result = await trx.rawQuery(
    POOL_SQL,
    // 0 matches no department: a pool without agents and without department is empty.
    { connection: connectionId, department: departmentId ?? 0 }
  )
  return result.rows.map(toCandidate)
}

function toCandidate(row: { id: number; open_load: number; last_assigned_at: Date | null }) {
  return {
    userId: Number(row.id),
    openLoad: Number(row.open_load),
    lastAssignedAt: row.last_assigned_at ? new Date(row.last_assigned_at) : null,
  }
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
