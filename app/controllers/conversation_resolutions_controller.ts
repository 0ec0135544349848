import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import conversationResolution from '#services/conversation_resolution'

/** POST resolves a chat, DELETE reopens it. */
export default class ConversationResolutionsController {
  async store(ctx: HttpContext) {
    return this.#change(ctx, true)
  }

  async destroy(ctx: HttpContext) {
    return this.#change(ctx, false)
  }

  async #change({ params, request, response, auth, bouncer, view }: HttpContext, resolve: boolean) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('resolve', conversation)
    const change = resolve ? conversationResolution.resolve : conversationResolution.reopen
    await change.call(conversationResolution, conversation.id, auth.user!, request.ip())
    if (request.header('hx-request') !== 'true') {
      return response.redirect(`/inbox/conversations/${conversation.id}`)
    }
    await conversation.refresh()
    return view.render('partials/inbox/conversation', {
      open: await inboxView.conversation(auth.user!, conversation),
    })
  }
}
