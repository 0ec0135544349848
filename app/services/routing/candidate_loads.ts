import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { preparedQuery } from '#services/prepared_query'
import { IDLE_MINUTES_SQL } from '#services/routing/agent_presence'

export interface Candidate {
  userId: number
  openLoad: number
  lastAssignedAt: Date | null
  /** The agent's own limit (agent_limits), which wins over the connection's. */
  ownLimit: number | null
}

/**
 * Available = active user, active role that may hold chats, presence
 * `online` and seen within the idle limit. The open load (chats not
 * resolved, on any connection) comes from `agent_open_loads`, kept by a
 * trigger, so reading 200 agents is one index scan.
 */
const AVAILABLE = `
  SELECT u.id, p.last_assigned_at, COALESCE(l.open_count, 0) AS open_load, al.max_open AS own_limit
    FROM users u
    JOIN roles r ON r.id = u.role_id AND r.is_active
    JOIN agent_presence p ON p.user_id = u.id
    LEFT JOIN agent_open_loads l ON l.user_id = u.id
    LEFT JOIN agent_limits al ON al.user_id = u.id
   WHERE u.id IN (SELECT user_id FROM pool)
     AND u.is_active
     AND p.status = 'online'
     AND p.last_seen_at >= now() - make_interval(mins => ${IDLE_MINUTES_SQL})
     AND (r.key = 'admin' OR EXISTS (
           SELECT 1 FROM role_permissions rp
            WHERE rp.role_id = r.id AND rp.permission_key IN ('chats.view_own', 'chats.view_all')))`

/**
 * Ties go to whoever got an automatic chat longest ago (never = first), then
 * the lower id, so N chats over K equal agents differ by at most one.
 */
const LEAST_LOADED = `
     AND COALESCE(l.open_count, 0) < COALESCE(al.max_open, NULLIF(:limit, -1), 2147483647)
   ORDER BY open_load, p.last_assigned_at NULLS FIRST, u.id
   LIMIT 1`

/** The available agents among `userIds`, with their open load. */
export async function availableCandidates(
  trx: TransactionClientContract,
  userIds: number[]
): Promise<Candidate[]> {
  if (!userIds.length) return []
  const result = await preparedQuery(
    trx,
    `WITH pool AS (SELECT unnest(?::int[]) AS user_id) ${AVAILABLE}`,
    [[...new Set(userIds)]]
  )
  return result.rows.map(toCandidate)
}

/** The least-loaded available agent among `userIds` under the limit (null = none). */
export async function leastLoadedAmong(
  trx: TransactionClientContract,
  userIds: number[],
  limit: number | null
): Promise<Candidate | null> {
  if (!userIds.length) return null
  const result = await preparedQuery(
    trx,
    `WITH pool AS (SELECT unnest(CAST(:ids AS int[])) AS user_id) ${AVAILABLE} ${LEAST_LOADED}`,
    { ids: [...new Set(userIds)], limit: limit ?? -1 }
  )
  return result.rows.length ? toCandidate(result.rows[0]) : null
}

/**
 * The least-loaded available agent of a connection's general pool (its own
 * agents, else the members of the conversation's or the connection's
 * department) under the limit. One query, one row back.
 */
export async function leastLoadedInPool(
  trx: TransactionClientContract,
  connectionId: number,
  departmentId: number | null,
  limit: number | null
): Promise<Candidate | null> {
  const result = await preparedQuery(
    trx,
    `WITH own AS (SELECT user_id FROM connection_agents WHERE connection_id = :connection),
          pool AS (
            SELECT user_id FROM own
            UNION ALL
            SELECT user_id FROM department_members
             WHERE department_id = :department AND NOT EXISTS (SELECT 1 FROM own))
     ${AVAILABLE} ${LEAST_LOADED}`,
    // 0 matches no department: a pool without agents and without department is empty.
    { connection: connectionId, department: departmentId ?? 0, limit: limit ?? -1 }
  )
  return result.rows.length ? toCandidate(result.rows[0]) : null
}

function toCandidate(row: {
  id: number
  open_load: number
  last_assigned_at: Date | null
  own_limit: number | null
}): Candidate {
  return {
    userId: Number(row.id),
    openLoad: Number(row.open_load),
    lastAssignedAt: row.last_assigned_at ? new Date(row.last_assigned_at) : null,
    ownLimit: row.own_limit === null ? null : Number(row.own_limit),
  }
}

/** Whether the candidate may take one more chat: their own limit, else the connection's. */
export function hasRoom(candidate: Candidate, connectionLimit: number | null) {
  const limit = candidate.ownLimit ?? connectionLimit
  return limit === null || candidate.openLoad < limit
}
