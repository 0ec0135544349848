import db from '@adonisjs/lucid/services/db'
import type { EventsList } from '@adonisjs/core/types'
import notifier from '#services/notifier'

const LOST: readonly string[] = ['disconnected', 'logged_out']

/**
 * Workflow notifications in the bell: a conversation given to an agent
 * (whatever gave it: a person, a rule, an approved transfer), and a working
 * number lost (R-CH-7) for the people who watch connections (admins hear of
 * it through the critical system event the port records). Transfer
 * requests and decisions are notified by ChatTransfers in their transaction.
 */
export default class NotifyTeamWorkflow {
  async assigned({ conversationId, userId, actorId }: EventsList['conversation:assigned']) {
    // Taking a chat yourself needs no notice.
    if (!userId || userId === actorId) return
    const row = await db
      .from('conversations as c')
      .join('contacts as ct', 'ct.id', 'c.contact_id')
      .where('c.id', conversationId)
      .select(
        db.raw("coalesce(ct.display_name, ct.profile_name, ct.phone_e164, '#' || ct.id) AS label")
      )
      .first()
    await notifier.notify(
      [userId],
      'team_notifications.assigned',
      { contact: row?.label ?? `#${conversationId}` },
      `/inbox/conversations/${conversationId}`
    )
  }

  async connectionLost({
    connectionId,
    status,
    previousStatus,
    reason,
  }: EventsList['connection:status_changed']) {
    // The same rule as the critical system event: a number that was working is gone.
    if (!LOST.includes(status) || previousStatus !== 'connected') return
    const connection = await db
      .from('connections')
      .where('id', connectionId)
      .select('name', 'phone_e164')
      .first()
    const [operators, auditors] = await Promise.all([
      notifier.usersWithPermission('connections.operate'),
      notifier.usersWithPermission('system_events.view'),
    ])
    // Readers of the system-event log already hear of it through the critical event it records.
    const alreadyTold = new Set(auditors)
    await notifier.notify(
      operators.filter((userId) => !alreadyTold.has(userId)),
      `team_notifications.connection_${status}`,
      {
        name: connection?.name ?? `#${connectionId}`,
        phone: connection?.phone_e164 ?? '',
        reason: reason ?? '',
      },
      '/connections'
    )
  }
}
