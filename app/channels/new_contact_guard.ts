import db from '@adonisjs/lucid/services/db'
import type Connection from '#models/connection'
import notifier from '#services/notifier'
import systemEventLog from '#services/system_event_log'

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR

export type Admission =
  { ok: true } | { ok: false; retryAfterMs: number; window: 'hour' | 'day'; max: number }

/**
 * The ban-risk guard (issue 6): a number that writes first to many people
 * who never wrote to it gets banned by WhatsApp. Before the dispatcher sends
 * to a contact who never wrote on this connection and was never written to
 * first, the guard counts the connection's new contacts in the last hour and
 * day; over a limit, the message waits in the outbox (nothing is lost or
 * failed) until the window frees, and admins are told once per window.
 */
export class NewContactGuard {
  async admit(connection: Connection, contactId: number, now = new Date()): Promise<Admission> {
    const perHour = connection.newContactsPerHour
    const perDay = connection.newContactsPerDay
    if (!perHour && !perDay) return { ok: true }

    return db.transaction(async (trx) => {
      // One decision at a time per connection, or two dispatchers could both take the last slot.
      await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtext(?))', [
        `chasqui.new_contacts:${connection.id}`,
      ])
      const known = await trx.rawQuery(
        `SELECT EXISTS (
           SELECT 1 FROM first_contacts WHERE connection_id = ? AND contact_id = ?
         ) OR EXISTS (
           SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.connection_id = ? AND c.contact_id = ? AND m.direction = 'in'
         ) AS known`,
        [connection.id, contactId, connection.id, contactId]
      )
      if (known.rows[0].known) return { ok: true } as const

      for (const [window, max, span] of [
        ['hour', perHour, HOUR],
        ['day', perDay, DAY],
      ] as const) {
        if (!max) continue
        const since = new Date(now.getTime() - span)
        const used = await trx
          .from('first_contacts')
          .where('connection_id', connection.id)
          .where('created_at', '>', since)
          .orderBy('created_at')
          .select('created_at')
          .limit(max)
        if (used.length >= max) {
          const frees = new Date(used[0].created_at).getTime() + span
          return { ok: false, window, max, retryAfterMs: Math.max(1000, frees - now.getTime()) }
        }
      }
      await trx
        .knexQuery()
        .table('first_contacts')
        .insert({ connection_id: connection.id, contact_id: contactId, created_at: now })
        .onConflict(['connection_id', 'contact_id'])
        .ignore()
      return { ok: true } as const
    })
  }

  /**
   * Surfaces a hit: a warning in the events log and a notice to who manages
   * connections, once per window — the log itself says whether this window was
   * already announced, so several instances (and restarts) agree.
   */
  async announce(connection: Connection, admission: Extract<Admission, { ok: false }>) {
    const span = admission.window === 'hour' ? HOUR : DAY
    const told = await db
      .from('system_events')
      .where('category', 'connection.new_contact_limit')
      .where('created_at', '>', new Date(Date.now() - span))
      .whereRaw("context->>'connectionId' = ?", [String(connection.id)])
      .whereRaw("context->>'window' = ?", [admission.window])
      .first()
    if (told) return
    await systemEventLog.record({
      level: 'warning',
      category: 'connection.new_contact_limit',
      message: `Connection ${connection.name} reached its limit of ${admission.max} new contacts per ${admission.window}; messages to new contacts wait`,
      context: { connectionId: connection.id, window: admission.window, max: admission.max },
    })
    await notifier.notifyWithPermission(
      'connections.manage',
      'new_contact_limit',
      { connection: connection.name, max: admission.max, window: admission.window },
      `/connections/${connection.id}/edit`
    )
  }

  /** New contacts used now, for the Connections page. */
  async usage(connectionId: number, now = new Date()) {
    const row = await db
      .from('first_contacts')
      .where('connection_id', connectionId)
      .select(
        db.raw('count(*) FILTER (WHERE created_at > ?) AS hour', [new Date(now.getTime() - HOUR)]),
        db.raw('count(*) FILTER (WHERE created_at > ?) AS day', [new Date(now.getTime() - DAY)])
      )
      .first()
    return { hour: Number(row?.hour ?? 0), day: Number(row?.day ?? 0) }
  }
}

export default new NewContactGuard()
