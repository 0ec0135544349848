import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import quickReplyPicker from '#services/quick_reply_picker'
import { quickReplyQueryValidator } from '#validators/chat_tools_validator'

/** The composer's `/` list (R-MSG-4): active quick replies filled in for this chat and agent. */
export default class ConversationQuickRepliesController {
  async index({ params, request, auth, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('useQuickReplies', conversation)
    const { q } = await quickReplyQueryValidator.validate(request.qs())
    const choices = await quickReplyPicker.choices(conversation, auth.user!, q ?? '')
    return view.render('partials/inbox/quick_reply_choices', { conversation, choices, q: q ?? '' })
  }
}
