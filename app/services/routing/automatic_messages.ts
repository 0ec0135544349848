import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import outbound from '#channels/outbound_service'
import { isWithinBusinessHours } from '#services/routing/business_hours'
import { isKnownSender } from '#services/routing/known_senders'
import { preparedQuery } from '#services/prepared_query'
import type { BusinessHours } from '#models/connection'

export type AutomaticReplyKind = 'welcome' | 'out_of_hours' | 'unknown_sender' | 'farewell'

/**
 * SQL, true when the connection (table alias `k`) has none of the messages
 * `afterInbound` could send: not "known clients only", no welcome and no
 * out-of-hours text. The inbound path reads it with the message's lock, so
 * routing can skip its own lookup for every customer message (the event's
 * `automaticMessages: false`). Keep it in step with afterInbound.
 */
export const NO_INBOUND_AUTOMATIC_MESSAGES_SQL = `(NOT k.known_clients_only
  AND NULLIF(btrim(k.welcome_message), '') IS NULL
  AND NULLIF(btrim(k.out_of_hours_message), '') IS NULL)`

/**
 * The per-connection automatic messages, each sent at most once per
 * conversation (a row in `automatic_replies` is claimed before sending):
 *
 * - unknown sender on a "known clients only" connection → its auto-reply
 *   (R-INT-5), and nothing else;
 * - a customer message while the connection is closed → the out-of-hours
 *   message (instead of the welcome: "we are closed" and "welcome, an
 *   agent will answer" contradict each other);
 * - a conversation opened while open → the welcome message;
 * - a conversation resolved → the farewell.
 *
 * They go out through the OutboundService as system-authored (author null,
 * `automatic`) messages: queued in the outbox like any other, shown in the
 * timeline, never reopening a chat or counting as the agent's answer.
 */
export class AutomaticMessages {
  async afterInbound(conversationId: number, options: { opened: boolean; at?: Date }) {
    // Runs for every customer message: prepared, so it is planned once per connection.
    const [row] = (
      await preparedQuery(
        db,
        `SELECT c.state, c.contact_id, k.known_clients_only, k.unknown_sender_message,
                k.welcome_message, k.out_of_hours_message, k.business_hours
           FROM conversations c JOIN connections k ON k.id = c.connection_id
          WHERE c.id = ?`,
        [conversationId]
      )
    ).rows
    if (!row || row.state === 'resolved') return null

    if (row.known_clients_only && !(await isKnownSender(db, row.contact_id))) {
      return this.#sendOnce(conversationId, 'unknown_sender', row.unknown_sender_message)
    }
    const hours = row.business_hours as BusinessHours | null
    // The organization's zone only matters for hours without their own: no query per message otherwise.
    const open =
      !hours ||
      isWithinBusinessHours(
        hours,
        options.at ?? new Date(),
        hours.timezone || (await organizationZone())
      )
    if (!open && row.out_of_hours_message?.trim()) {
      return this.#sendOnce(conversationId, 'out_of_hours', row.out_of_hours_message)
    }
    if (options.opened) return this.#sendOnce(conversationId, 'welcome', row.welcome_message)
    return null
  }

  async afterResolved(conversationId: number) {
    const row = await db
      .from('conversations as c')
      .join('connections as k', 'k.id', 'c.connection_id')
      .where('c.id', conversationId)
      .select('c.state', 'k.farewell_message')
      .first()
    if (!row || row.state !== 'resolved') return null
    return this.#sendOnce(conversationId, 'farewell', row.farewell_message)
  }

  /**
   * Claim, then send. A claim that cannot be sent is released so a later
   * trigger may try again; a process dying between claim and send loses
   * that one message rather than ever sending it twice.
   */
  async #sendOnce(conversationId: number, kind: AutomaticReplyKind, body: string | null) {
    if (!body?.trim()) return null
    const claimed = await db
      .knexQuery()
      .table('automatic_replies')
      .insert({ conversation_id: conversationId, kind, created_at: new Date() })
      .onConflict(['conversation_id', 'kind'])
      .ignore()
      .returning('conversation_id')
    if (!claimed.length) return null
    try {
      const { message } = await outbound.submit({
        conversationId,
        authorUserId: null,
        kind: 'text',
        body: body.trim(),
        automatic: true,
        metadata: { automatic: kind },
      })
      await db
        .from('automatic_replies')
        .where({ conversation_id: conversationId, kind })
        .update({ message_id: message.id })
      return message
    } catch (error) {
      await db.from('automatic_replies').where({ conversation_id: conversationId, kind }).delete()
      logger.error({ err: error, conversationId, kind }, 'automatic message not sent')
      return null
    }
  }
}

async function organizationZone() {
  const row = await db.from('organizations').orderBy('id').select('timezone').first()
  return row?.timezone ?? 'UTC'
}

export default new AutomaticMessages()
