import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import chatTagging from '#services/chat_tagging'
import { tagChoiceValidator } from '#validators/chat_tools_validator'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/** Tags on a whole chat (R-TG-2): the header's tag bar. */
export default class ConversationTagsController {
  async show({ params, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    return view.render('partials/inbox/tag_menu', { conversation })
  }

  async store(ctx: HttpContext) {
    const conversation = await inboxView.find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('tag', conversation)
    const { tagId } = await ctx.request.validateUsing(tagChoiceValidator)
    const refused = await refusal(ctx, () =>
      chatTagging.tagConversation(actorOf(ctx), conversation.id, tagId)
    )
    return this.#answer(ctx, conversation.id, refused)
  }

  async destroy(ctx: HttpContext) {
    const conversation = await inboxView.find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('tag', conversation)
    const { tagId } = await tagChoiceValidator.validate({ tagId: ctx.params.tagId })
    const refused = await refusal(ctx, () =>
      chatTagging.untagConversation(actorOf(ctx), conversation.id, tagId)
    )
    return this.#answer(ctx, conversation.id, refused)
  }

  #answer({ request, response, view }: HttpContext, conversationId: number, tagError?: string) {
    if (request.header('hx-request') !== 'true') {
      return response.redirect(`/inbox/conversations/${conversationId}`)
    }
    return view.render('partials/inbox/tag_menu', {
      conversation: { id: conversationId },
      tagError,
    })
  }
}

/**
 * Runs a tagging change; a refused one (inactive or hidden tag) comes back to
 * an htmx caller as the message shown in the fragment (nothing changed), and
 * to a plain form as the usual redirect back with the error.
 */
export async function refusal(ctx: HttpContext, change: () => Promise<unknown>) {
  try {
    await change()
    return undefined
  } catch (error) {
    if (!(error instanceof RuleViolationException)) throw error
    if (ctx.request.header('hx-request') !== 'true') throw error
    return error.translate((key, values) => ctx.i18n.t(key, values))
  }
}

export function actorOf({ auth, request }: HttpContext) {
  return { user: auth.user!, ip: request.ip() }
}
