import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'
import type User from '#models/user'
import type Conversation from '#models/conversation'
import conversationAccess from '#services/conversation_access'

/**
 * What a user may do with one conversation. Seeing it is the base of every
 * action: an agent never touches a chat assigned to someone else.
 */
export default class ConversationPolicy extends BasePolicy {
  async view(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return conversationAccess.mayView(user, conversation)
  }

  /** Write messages and notes, retry failed ones. */
  async reply(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return (await this.view(user, conversation)) && (await user.can('chats.reply'))
  }

  /** Resolve and reopen: whoever may answer the chat. */
  async resolve(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return this.reply(user, conversation)
  }

  /** Put tags on the chat or its messages, take them off (R-TG-2). */
  async tag(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return (await this.view(user, conversation)) && (await user.can('chats.tag'))
  }

  /** Quick replies in the composer: only where the user may write. */
  async useQuickReplies(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return (await this.reply(user, conversation)) && (await user.can('quick_replies.use'))
  }

  async assign(user: User, conversation: Conversation): Promise<AuthorizerResponse> {
    return (await this.view(user, conversation)) && (await user.can('chats.assign'))
  }
}
