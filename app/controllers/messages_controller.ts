import type { HttpContext } from '@adonisjs/core/http'
import Conversation from '#models/conversation'
import messageTimeline from '#services/message_timeline'

/** One message alone: the live refetch when its delivery status moves. */
export default class MessagesController {
  async show({ params, bouncer, view }: HttpContext) {
    const message = await messageTimeline.find(params.id)
    const conversation = await Conversation.findOrFail(message.conversationId)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    return view.render('partials/inbox/message', { message, conversation })
  }
}
