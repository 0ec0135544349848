import type { MessageImportedEvent } from '#events/conversation_events'
import type { ContactSyncContext } from './context.js'

/**
 * R-INT-2: chats and messages that existed before the number was linked.
 * The channel reports them as historical messages; this keeps only the
 * chosen number of days (through the core's history window) and counts
 * what arrived, so the admin sees the import progress per connection.
 */
export class HistoryImport {
  constructor(private ctx: ContactSyncContext) {}

  /** The oldest imported message to keep; `historyDays` 0 keeps none. */
  cutoff(now = new Date()) {
    const days = this.ctx.settings.get().historyDays
    return new Date(now.getTime() - days * 24 * 60 * 60 * 1000)
  }

  async imported(event: MessageImportedEvent) {
    const message = await this.ctx.ports.conversations.message(event.messageId)
    if (!message) return
    const at = message.createdAt
    await this.ctx.db.transaction(async (trx) => {
      await trx
        .knexQuery()
        .table('contact_sync_history_chats')
        .insert({ connection_id: event.connectionId, conversation_id: event.conversationId })
        .onConflict(['connection_id', 'conversation_id'])
        .ignore()
      await trx
        .knexQuery()
        .table('contact_sync_tallies')
        .insert({
          connection_id: event.connectionId,
          history_messages: 1,
          history_oldest_at: at,
          history_newest_at: at,
          last_history_at: new Date(),
        })
        .onConflict('connection_id')
        .merge({
          history_messages: trx.knexRawQuery('contact_sync_tallies.history_messages + 1'),
          history_oldest_at: trx.knexRawQuery(
            'least(contact_sync_tallies.history_oldest_at, excluded.history_oldest_at)'
          ),
          history_newest_at: trx.knexRawQuery(
            'greatest(contact_sync_tallies.history_newest_at, excluded.history_newest_at)'
          ),
          last_history_at: new Date(),
        })
    })
  }
}
