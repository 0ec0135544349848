import db from '@adonisjs/lucid/services/db'
import Message from '#models/message'
import chatTagging from '#services/chat_tagging'

export interface TimelinePage {
  /** Oldest first, as the conversation shows them (newest at the bottom). */
  messages: Message[]
  /** Pass back as `before` for the previous (older) page; null at the beginning. */
  olderCursor: string | null
}

/**
 * A conversation's history in pages, newest page first, keyset on
 * (created_at, id) — the timeline index — so scrolling back stays cheap on
 * long chats and new messages never shift the older pages.
 */
export class MessageTimeline {
  async page(
    conversationId: number,
    options: { before?: string | null; limit?: number } = {}
  ): Promise<TimelinePage> {
    const limit = Math.min(Math.max(options.limit ?? 30, 1), 100)
    const query = Message.query()
      .where('conversation_id', conversationId)
      .preload('author', (author) => author.select('id', 'full_name'))
      .select('*')
      .select(
        db.raw(
          `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`
        )
      )
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1)
    const cursor = decodeCursor(options.before)
    if (cursor) {
      query.whereRaw('(created_at, id) < (CAST(? AS timestamptz), ?)', [cursor.at, cursor.id])
    }
    const found = await query
    // The tag strip of each message (filtered per viewer by ChatTagMenus) without a query per message.
    await chatTagging.attachTagIds(found)
    const more = found.length > limit
    const page = found.slice(0, limit)
    const oldest = page.at(-1)
    return {
      messages: page.reverse(),
      olderCursor:
        more && oldest ? encodeCursor(String(oldest.$extras.cursor_at), oldest.id) : null,
    }
  }

  /** One message with what its partial shows (the live refetch of a status change). */
  async find(messageId: number) {
    const message = await Message.query()
      .where('id', messageId)
      .preload('author', (author) => author.select('id', 'full_name'))
      .firstOrFail()
    await chatTagging.attachTagIds([message])
    return message
  }
}

function encodeCursor(at: string, id: number) {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

function decodeCursor(cursor?: string | null): { at: string; id: number } | null {
  if (!cursor) return null
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (typeof at !== 'string' || !Number.isInteger(id) || Number.isNaN(Date.parse(at))) return null
    return { at, id }
  } catch {
    // A tampered cursor shows the newest page instead of failing.
    return null
  }
}

export default new MessageTimeline()
