import type { HttpContext } from '@adonisjs/core/http'
import { renderPage } from '#services/page_renderer'
import inboxView from '#services/inbox_view'
import conversationReads from '#services/conversation_reads'

/** One conversation in the inbox; opening it marks its customer messages as read. */
export default class ConversationsController {
  async show(ctx: HttpContext) {
    const conversation = await inboxView.find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('view', conversation)
    if (await conversationReads.markRead(conversation.id)) conversation.unreadCount = 0
    const open = await inboxView.conversation(ctx.auth.user!, conversation)
    const isFragment = ctx.request.header('hx-request') === 'true'
    // The list beside it is only rendered with the full page.
    const list = isFragment ? {} : await inboxView.list(ctx.auth.user!, ctx.request.qs())
    return renderPage(
      ctx,
      { page: 'pages/inbox/index', partial: 'partials/inbox/conversation' },
      { ...list, open }
    )
  }
}
