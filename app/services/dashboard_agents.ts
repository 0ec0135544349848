import db from '@adonisjs/lucid/services/db'
import conversationAssigner from '#services/conversation_assigner'
import type { DashboardScope } from '#services/dashboard_scope'
import { IDLE_MINUTES_SQL, type PresenceStatus } from '#services/routing/agent_presence'

export type Availability = PresenceStatus

export interface AgentLoad {
  userId: number
  fullName: string
  availability: Availability
  openChats: number
  pendingMessages: number
}

/**
 * Agents' availability and current load. Load = open chats assigned to the
 * agent and the customer messages waiting in them. Availability comes from
 * routing's `agent_presence` table (app/services/routing/agent_presence.ts)
 * with the same rule as `AgentPresence.statusOf`, for many agents at once:
 * no row, or no sign of life within the organization's idle limit, is offline.
 */
export class DashboardAgents {
  async list(scope: DashboardScope): Promise<AgentLoad[]> {
    const people = conversationAssigner.assignableUsers()
    if (scope.kind === 'own') people.where('u.id', scope.userId)
    const users: { id: number; full_name: string }[] = await people
    if (!users.length) return []
    const ids = users.map((u) => Number(u.id))
    const [load, availability] = await Promise.all([
      db.rawQuery(
        `SELECT c.assigned_user_id AS user_id, count(*)::int AS open_chats,
                coalesce(sum(c.pending_count), 0)::int AS pending
         FROM conversations c
         WHERE c.state <> 'resolved' AND c.assigned_user_id = ANY(?)
         GROUP BY c.assigned_user_id`,
        [ids]
      ),
      this.#availability(ids),
    ])
    const byUser = new Map<number, { open_chats: number; pending: number }>(
      load.rows.map((row: Record<string, any>) => [Number(row.user_id), row])
    )
    return users.map((u) => ({
      userId: Number(u.id),
      fullName: u.full_name,
      availability: availability.get(Number(u.id)) ?? 'offline',
      openChats: byUser.get(Number(u.id))?.open_chats ?? 0,
      pendingMessages: byUser.get(Number(u.id))?.pending ?? 0,
    }))
  }

  async #availability(ids: number[]): Promise<Map<number, Availability>> {
    const { rows } = await db.rawQuery(
      `SELECT p.user_id,
              CASE WHEN p.status <> 'offline' AND (p.last_seen_at IS NULL OR p.last_seen_at <
                     now() - make_interval(mins => ${IDLE_MINUTES_SQL}))
                   THEN 'offline' ELSE p.status END AS status
       FROM agent_presence p WHERE p.user_id = ANY(?)`,
      [ids]
    )
    return new Map(rows.map((row: Record<string, any>) => [Number(row.user_id), row.status]))
  }
}

export default new DashboardAgents()
