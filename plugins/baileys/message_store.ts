import type { Database } from '@adonisjs/lucid/database'
import { proto, type WAMessage, type WAMessageKey } from '@whiskeysockets/baileys'

/** A WAMessage as protobuf JSON (bytes as base64, int64 as strings), and back (B.8 #7). */
export function storedForm(message: WAMessage) {
  return proto.WebMessageInfo.fromObject(message).toJSON()
}

export function revived(raw: unknown): WAMessage {
  const json = typeof raw === 'string' ? JSON.parse(raw) : raw
  return proto.WebMessageInfo.fromObject(json as object) as WAMessage
}

/**
 * The raw WAMessages of a connection (`baileys_messages`): Baileys needs the
 * full message back to quote it, to answer a retry receipt (`getMessage`)
 * and to download its media later. Stored as protobuf JSON (bytes as
 * base64, int64 as strings) and revived with `fromObject` (B.8 #7).
 */
export class MessageStore {
  constructor(
    private db: Database,
    private connectionId: number
  ) {}

  async save(message: WAMessage) {
    await this.saveMany([message])
  }

  /** One statement for a whole upsert batch. */
  async saveMany(messages: WAMessage[]) {
    const rows = new Map<string, Record<string, unknown>>()
    for (const message of messages) {
      // Longer ids are not WhatsApp's (they are 16–32 chars); the column keeps the index small.
      if (!message.key.id || message.key.id.length > 128) continue
      rows.set(message.key.id, {
        connection_id: this.connectionId,
        key_id: message.key.id,
        remote_jid: message.key.remoteJid ?? '',
        from_me: !!message.key.fromMe,
        raw: JSON.stringify(storedForm(message)),
        created_at: new Date(),
      })
    }
    if (!rows.size) return
    await this.db
      .knexQuery()
      .table('baileys_messages')
      .insert([...rows.values()])
      .onConflict(['connection_id', 'key_id'])
      .merge(['raw'])
  }

  async find(keyId: string): Promise<WAMessage | null> {
    const row = await this.db
      .from('baileys_messages')
      .where('connection_id', this.connectionId)
      .where('key_id', keyId)
      .select('raw')
      .first()
    if (!row) return null
    return revived(row.raw)
  }

  async isOwnSend(keyId: string) {
    const row = await this.db
      .from('baileys_messages')
      .where('connection_id', this.connectionId)
      .where('key_id', keyId)
      .where('from_me', true)
      .select('key_id')
      .first()
    return !!row
  }

  /** Baileys' `getMessage`: the content of a stored message. */
  async content(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined
    return (await this.find(key.id))?.message ?? undefined
  }
}
