import type { HttpContext } from '@adonisjs/core/http'
import Conversation from '#models/conversation'
import outbound, { OutboundError } from '#channels/outbound_service'
import messageTimeline from '#services/message_timeline'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/** R-MSG-6: the agent sends a failed message again. */
export default class MessageRetriesController {
  async store({ params, request, response, auth, bouncer, view }: HttpContext) {
    const message = await messageTimeline.find(params.id)
    const conversation = await Conversation.findOrFail(message.conversationId)
    await bouncer.with('ConversationPolicy').authorize('reply', conversation)
    try {
      await outbound.retry(message.id, auth.user!)
    } catch (error) {
      if (error instanceof OutboundError)
        throw new RuleViolationException('inbox.errors.not_retryable')
      throw error
    }
    if (request.header('hx-request') !== 'true') {
      return response.redirect(`/inbox/conversations/${conversation.id}`)
    }
    return view.render('partials/inbox/message', {
      message: await messageTimeline.find(message.id),
      conversation,
    })
  }
}
