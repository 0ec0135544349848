import type { HttpContext } from '@adonisjs/core/http'
import Conversation from '#models/conversation'
import messageTimeline from '#services/message_timeline'
import chatTagging from '#services/chat_tagging'
import { tagChoiceValidator } from '#validators/chat_tools_validator'
import { actorOf, refusal } from '#controllers/conversation_tags_controller'

/** Tags on one message (R-TG-2): the small tag menu under each message. */
export default class MessageTagsController {
  async show({ params, bouncer, view }: HttpContext) {
    const { message, conversation } = await this.#find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    return view.render('partials/inbox/message_tags', { message, conversation })
  }

  async store(ctx: HttpContext) {
    const { message, conversation } = await this.#find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('tag', conversation)
    const { tagId } = await ctx.request.validateUsing(tagChoiceValidator)
    const refused = await refusal(ctx, () => chatTagging.tagMessage(actorOf(ctx), message, tagId))
    return this.#answer(ctx, message.id, conversation, refused)
  }

  async destroy(ctx: HttpContext) {
    const { message, conversation } = await this.#find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('tag', conversation)
    const { tagId } = await tagChoiceValidator.validate({ tagId: ctx.params.tagId })
    const refused = await refusal(ctx, () => chatTagging.untagMessage(actorOf(ctx), message, tagId))
    return this.#answer(ctx, message.id, conversation, refused)
  }

  async #find(id: number | string) {
    const message = await messageTimeline.find(Number(id))
    const conversation = await Conversation.findOrFail(message.conversationId)
    return { message, conversation }
  }

  async #answer(
    { request, response, view }: HttpContext,
    messageId: number,
    conversation: Conversation,
    tagError?: string
  ) {
    if (request.header('hx-request') !== 'true') {
      return response.redirect(`/inbox/conversations/${conversation.id}`)
    }
    // Read again: the strip shows the tags as they are now.
    const message = await messageTimeline.find(messageId)
    return view.render('partials/inbox/message_tags', { message, conversation, tagError })
  }
}
