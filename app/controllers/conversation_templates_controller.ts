import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import replyWindow from '#services/reply_window'
import templateMessages from '#services/template_messages'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { templatePreviewValidator, templateSendValidator } from '#validators/reply_window_validator'

/**
 * The 24-hour window in the composer (R-MSG-8): a notice and the approved
 * templates when the customer's last message is too old, and sending one.
 */
export default class ConversationTemplatesController {
  async show({ params, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    const window = await replyWindow.of(conversation)
    const templates = window.open ? [] : await replyWindow.templatesOf(conversation)
    return view.render('partials/inbox/reply_window', { conversation, window, templates })
  }

  /** What the customer would read, refreshed while the agent fills the parameters. */
  async preview({ params, request, response, auth, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('reply', conversation)
    const data = await request.validateUsing(templatePreviewValidator)
    const body = await templateMessages.preview(conversation, auth.user!, {
      templateId: data.previewTemplateId,
      parameters: (data.parameters ?? []).map((value) => value ?? ''),
    })
    if (body === null) return response.notFound()
    return view.render('partials/inbox/template_preview', {
      conversation,
      templateId: data.previewTemplateId,
      body,
    })
  }

  async store({ params, request, response, auth, bouncer, view, i18n }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('reply', conversation)
    const data = await request.validateUsing(templateSendValidator)
    const isHtmx = request.header('hx-request') === 'true'
    const window = await replyWindow.of(conversation)
    try {
      await templateMessages.send(conversation, auth.user!, {
        templateId: data.templateId,
        parameters: (data.parameters ?? []).map((value) => value ?? ''),
        clientId: data.templateClientId,
      })
    } catch (error) {
      if (!(error instanceof RuleViolationException) || !isHtmx) throw error
      response.status(422)
      return view.render('partials/inbox/reply_window', {
        conversation,
        window,
        templates: await replyWindow.templatesOf(conversation),
        selected: data.templateId,
        parameters: data.parameters ?? [],
        error: error.translate((key, values) => i18n.t(key, values)),
      })
    }
    if (!isHtmx) return response.redirect(`/inbox/conversations/${conversation.id}`)
    response.header('HX-Trigger', 'inbox:sent')
    return view.render('partials/inbox/reply_window', {
      conversation,
      window,
      templates: await replyWindow.templatesOf(conversation),
      sent: true,
    })
  }
}
