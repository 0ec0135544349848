import Conversation from '#models/conversation'
import type User from '#models/user'

/**
 * Who may see a conversation (R-US-4): anyone with `chats.view_all`, or its
 * assigned agent with `chats.view_own`. The same question the chat list's
 * SQL answers (ConversationSearch), asked for one chat: the conversation
 * page, its actions and its live channel all go through here.
 */
export class ConversationAccess {
  async mayView(
    user: User | undefined | null,
    conversation: Pick<Conversation, 'assignedUserId'> | number
  ): Promise<boolean> {
    if (!user || !user.isActive) return false
    const permissions = await user.permissions()
    if (permissions.has('chats.view_all')) return true
    if (!permissions.has('chats.view_own')) return false
    const target =
      typeof conversation === 'number'
        ? await Conversation.query().where('id', conversation).select('assigned_user_id').first()
        : conversation
    return !!target && target.assignedUserId === user.id
  }
}

export default new ConversationAccess()
