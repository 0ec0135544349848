import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import messageTimeline from '#services/message_timeline'
import messageComposer from '#services/message_composer'
import conversationReads from '#services/conversation_reads'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { composeValidator, timelineValidator } from '#validators/inbox_validator'

/** A conversation's messages: the timeline (newest page, or an older one) and the composer. */
export default class ConversationMessagesController {
  async index({ params, request, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    const { before } = await timelineValidator.validate(request.qs())
    const timeline = await messageTimeline.page(conversation.id, { before })
    if (before) return view.render('partials/inbox/older_messages', { conversation, timeline })
    // The newest page is what an agent looking at the chat sees: it is read.
    await conversationReads.markRead(conversation.id)
    return view.render('partials/inbox/timeline', { conversation, timeline })
  }

  async store({ params, request, response, auth, bouncer, view, i18n }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('reply', conversation)
    const data = await request.validateUsing(composeValidator)
    const mode = data.mode ?? 'text'
    const isHtmx = request.header('hx-request') === 'true'
    try {
      await messageComposer.send({
        ...data,
        mode,
        conversationId: conversation.id,
        authorUserId: auth.user!.id,
      })
    } catch (error) {
      if (!(error instanceof RuleViolationException) || !isHtmx) throw error
      response.status(422)
      const message = error.translate((key, values) => i18n.t(key, values))
      return view.render('partials/inbox/composer', {
        conversation,
        mode,
        body: data.body,
        clientId: data.clientId,
        // The attachment stays in the composer unless it is the problem.
        mediaToken: error.translationKey === 'media.errors.upload_expired' ? null : data.mediaToken,
        error: message,
      })
    }
    if (!isHtmx) return response.redirect(`/inbox/conversations/${conversation.id}`)
    // The timeline refetches itself; the composer comes back empty with a new client id.
    response.header('HX-Trigger', 'inbox:sent')
    return view.render('partials/inbox/composer', { conversation, mode, sent: true })
  }
}
