import db from '@adonisjs/lucid/services/db'
import conversationAssigner from '#services/conversation_assigner'
import type { DashboardScope } from '#services/dashboard_scope'

export type Availability = 'online' | 'busy' | 'offline'

export interface AgentLoad {
  userId: number
  fullName: string
  /** null while availability is not tracked (no `agent_presence` table). */
  availability: Availability | null
  openChats: number
  pendingMessages: number
}

let presenceTracked: boolean | undefined

/**
 * Agents' availability and current load. Load = open chats assigned to the
 * agent and the customer messages waiting in them. Availability comes from
 * routing's `agent_presence` table (issue 4, app/services/routing/agent_presence.ts)
 * with the same rule as `AgentPresence.statusOf`: no row, or no sign of life
 * within the organization's idle limit, is offline. The table is looked up
 * once per process, so the dashboard also runs where routing has not landed.
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
      availability: availability ? (availability.get(Number(u.id)) ?? 'offline') : null,
      openChats: byUser.get(Number(u.id))?.open_chats ?? 0,
      pendingMessages: byUser.get(Number(u.id))?.pending ?? 0,
    }))
  }

  async #availability(ids: number[]): Promise<Map<number, Availability> | null> {
    if (presenceTracked === undefined) {
      const { rows } = await db.rawQuery("SELECT to_regclass('agent_presence') IS NOT NULL AS ok")
      presenceTracked = !!rows[0]?.ok
    }
    if (!presenceTracked) return null
    const { rows } = await db.rawQuery(
      `SELECT p.user_id,
              CASE WHEN p.status <> 'offline' AND (p.last_seen_at IS NULL OR p.last_seen_at <
                     now() - make_interval(mins => COALESCE((SELECT presence_idle_minutes FROM organizations ORDER BY id LIMIT 1), 15)))
                   THEN 'offline' ELSE p.status END AS status
       FROM agent_presence p WHERE p.user_id = ANY(?)`,
      [ids]
    )
    return new Map(rows.map((row: Record<string, any>) => [Number(row.user_id), row.status]))
  }
}

export default new DashboardAgents()
