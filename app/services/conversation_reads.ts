import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/inbox_events'

/** Opening a chat marks its customer messages as seen (unread count back to zero). */
export class ConversationReads {
  async markRead(conversationId: number) {
    const updated = await db
      .from('conversations')
      .where('id', conversationId)
      .where('unread_count', '>', 0)
      .update({ unread_count: 0 })
    if (Number(updated)) await publish('conversation:read', { conversationId })
    return Number(updated) > 0
  }
}

export default new ConversationReads()
