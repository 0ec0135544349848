import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { scopeSql, type DashboardScope } from '#services/dashboard_scope'

export interface TrayFigures {
  new: number
  pending: number
  in_progress: number
  resolved: number
  /** Open chats nobody holds (team scope only; 0 for an agent). */
  unassigned: number
  /** Customer messages waiting for an answer in open chats (R-MSG-3). */
  pendingMessages: number
  /** Open chats with at least one such message. */
  waitingChats: number
}

export interface MessageFigures {
  sentToday: number
  receivedToday: number
  /** Outbound messages still waiting to leave (queued). */
  queued: number
  failedToday: number
}

export interface ContactFigures {
  newToday: number
  unique: number
}

export interface ConnectionFigures {
  id: number
  name: string
  phone: string | null
  status: string
  statusReason: string | null
  statusChangedAt: Date | null
  lastDisconnectedAt: Date | null
}

export interface PendingPerAgent {
  userId: number
  fullName: string
  pendingMessages: number
  waitingChats: number
}

/** Outgoing kinds that are not messages to the customer. */
const INTERNAL_KINDS = ['note', 'system']

/**
 * The dashboard's "now" cards (R-DB-1), each one SQL aggregate over the
 * viewer's scope. Counts are exact; "today" starts at midnight in the
 * organization's time zone.
 */
export class DashboardSnapshot {
  startOfToday(scope: DashboardScope) {
    return DateTime.now().setZone(scope.timezone).startOf('day').toJSDate()
  }

  async trays(scope: DashboardScope): Promise<TrayFigures> {
    const where = scopeSql(scope)
    // Open chats and the resolved count each come from a small partial index (migration 1764004200100).
    const { rows } = await db.rawQuery(
      `SELECT
         (SELECT count(*) FROM conversations c WHERE c.state = 'resolved' AND ${where.sql})::int AS resolved,
         count(*) FILTER (WHERE c.state = 'new')::int AS new,
         count(*) FILTER (WHERE c.state = 'pending')::int AS pending,
         count(*) FILTER (WHERE c.state = 'in_progress')::int AS in_progress,
         count(*) FILTER (WHERE c.assigned_user_id IS NULL)::int AS unassigned,
         coalesce(sum(c.pending_count), 0)::int AS pending_messages,
         count(*) FILTER (WHERE c.pending_count > 0)::int AS waiting_chats
       FROM conversations c
       WHERE c.state <> 'resolved' AND ${where.sql}`,
      [...where.bindings, ...where.bindings]
    )
    const row = rows[0]
    return {
      new: row.new,
      pending: row.pending,
      in_progress: row.in_progress,
      resolved: row.resolved,
      unassigned: row.unassigned,
      pendingMessages: row.pending_messages,
      waitingChats: row.waiting_chats,
    }
  }

  async messages(scope: DashboardScope): Promise<MessageFigures> {
    const today = this.startOfToday(scope)
    const own = scope.kind === 'own'
    const join = own
      ? 'JOIN conversations c ON c.id = m.conversation_id AND c.assigned_user_id = ?'
      : ''
    const scopeBindings = own ? [scope.userId] : []
    const { rows } = await db.rawQuery(
      `SELECT
         count(*) FILTER (WHERE m.direction = 'out' AND m.kind NOT IN (?, ?))::int AS sent,
         count(*) FILTER (WHERE m.direction = 'in')::int AS received
       FROM messages m ${join}
       WHERE m.created_at >= ?`,
      [...INTERNAL_KINDS, ...scopeBindings, today]
    )
    const undelivered = await db.rawQuery(
      `SELECT
         count(*) FILTER (WHERE m.status = 'queued')::int AS queued,
         count(*) FILTER (WHERE m.status = 'failed' AND m.failed_at >= ?)::int AS failed
       FROM messages m ${join}
       WHERE m.status IN ('queued', 'failed')`,
      [today, ...scopeBindings]
    )
    return {
      sentToday: rows[0].sent,
      receivedToday: rows[0].received,
      queued: undelivered.rows[0].queued,
      failedToday: undelivered.rows[0].failed,
    }
  }

  async contacts(scope: DashboardScope): Promise<ContactFigures> {
    const today = this.startOfToday(scope)
    if (scope.kind === 'own') {
      // An agent's contacts are the people of the chats assigned to them.
      const { rows } = await db.rawQuery(
        `SELECT
           (SELECT count(DISTINCT c.contact_id) FROM conversations c WHERE c.assigned_user_id = ?)::int AS unique,
           (SELECT count(*) FROM contacts ct WHERE ct.created_at >= ? AND ct.id IN
              (SELECT c.contact_id FROM conversations c WHERE c.assigned_user_id = ?))::int AS new_today`,
        [scope.userId, today, scope.userId]
      )
      return { unique: rows[0].unique, newToday: rows[0].new_today }
    }
    // Unique contacts: people who ever had a conversation (not address-book entries).
    const { rows } = await db.rawQuery(
      `SELECT
         (SELECT count(*) FROM (SELECT DISTINCT contact_id FROM conversations) d)::int AS unique,
         (SELECT count(*) FROM contacts WHERE created_at >= ?)::int AS new_today`,
      [today]
    )
    return { unique: rows[0].unique, newToday: rows[0].new_today }
  }

  async pendingPerAgent(scope: DashboardScope): Promise<PendingPerAgent[]> {
    const where = scopeSql(scope)
    const { rows } = await db.rawQuery(
      `SELECT u.id, u.full_name, p.pending_messages, p.waiting_chats
       FROM (
         SELECT c.assigned_user_id,
                sum(c.pending_count)::int AS pending_messages,
                count(*)::int AS waiting_chats
         FROM conversations c
         WHERE c.state <> 'resolved' AND c.pending_count > 0
           AND c.assigned_user_id IS NOT NULL AND ${where.sql}
         GROUP BY c.assigned_user_id
       ) p
       JOIN users u ON u.id = p.assigned_user_id
       ORDER BY p.pending_messages DESC, u.full_name
       LIMIT 50`,
      where.bindings
    )
    return rows.map((row: Record<string, any>) => ({
      userId: row.id,
      fullName: row.full_name,
      pendingMessages: row.pending_messages,
      waitingChats: row.waiting_chats,
    }))
  }

  /** Connections with their state and last disconnection (team scope only). */
  async connections(): Promise<ConnectionFigures[]> {
    const { rows } = await db.rawQuery(
      `SELECT id, name, phone_e164, status, status_reason, status_changed_at, last_disconnected_at
       FROM connections WHERE is_active ORDER BY name, id`
    )
    return rows.map((row: Record<string, any>) => ({
      id: row.id as number,
      name: row.name as string,
      phone: row.phone_e164 as string | null,
      status: row.status as string,
      statusReason: row.status_reason as string | null,
      statusChangedAt: row.status_changed_at as Date | null,
      lastDisconnectedAt: row.last_disconnected_at as Date | null,
    }))
  }
}

export default new DashboardSnapshot()
