import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import { assignmentHistoryOf } from '#services/routing/assignment_history'

/** Who held a conversation, when and why (whoever may see the conversation). */
export default class ConversationAssignmentHistoryController {
  async show({ params, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    return view.render('partials/routing/assignment_history', {
      conversationId: conversation.id,
      history: await assignmentHistoryOf(conversation.id),
    })
  }
}
