import type { Database } from '@adonisjs/lucid/database'
import type { WAMessage } from '@whiskeysockets/baileys'
import { revived, storedForm } from './message_store.js'

export interface JournaledUpsert {
  id: number
  type: 'notify' | 'append'
  messages: WAMessage[]
}

/**
 * Write-ahead log of received message batches (`baileys_inbox`, see its
 * migration): written the moment Baileys emits them, removed once the
 * session handled them. What a crash left behind is handled again when the
 * number's next session opens — safe, the core stores each message id once.
 * Messages are kept in MessageStore's protobuf JSON form.
 */
export class InboxJournal {
  constructor(
    private db: Database,
    private connectionId: number
  ) {}

  async write(type: 'notify' | 'append', messages: WAMessage[]): Promise<number> {
    const [row] = await this.db
      .knexQuery()
      .table('baileys_inbox')
      .insert({
        connection_id: this.connectionId,
        upsert_type: type,
        messages: JSON.stringify(messages.map(storedForm)),
        received_at: new Date(),
      })
      .returning('id')
    return Number(row.id)
  }

  async done(id: number) {
    await this.db.from('baileys_inbox').where('id', id).delete()
  }

  /** Batches received before `before` and not finished (a previous process died), oldest first. */
  async left(before: Date): Promise<JournaledUpsert[]> {
    const rows = await this.db
      .from('baileys_inbox')
      .where('connection_id', this.connectionId)
      .where('received_at', '<', before)
      .orderBy('id')
      .select('id', 'upsert_type', 'messages')
    return rows.map((row) => ({
      id: Number(row.id),
      type: row.upsert_type === 'append' ? 'append' : 'notify',
      messages: (typeof row.messages === 'string' ? JSON.parse(row.messages) : row.messages).map(
        revived
      ),
    }))
  }
}
