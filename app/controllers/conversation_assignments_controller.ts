import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import conversationAssigner from '#services/conversation_assigner'
import { assignmentValidator } from '#validators/inbox_validator'

/** Who handles a chat (chats.assign): PUT sets the agent, an empty choice unassigns. */
export default class ConversationAssignmentsController {
  async update({ params, request, response, auth, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('assign', conversation)
    const { userId } = await request.validateUsing(assignmentValidator)
    await conversationAssigner.assign({
      conversationId: conversation.id,
      userId: userId ?? null,
      actor: auth.user!,
      ip: request.ip(),
    })
    if (request.header('hx-request') !== 'true') {
      return response.redirect(`/inbox/conversations/${conversation.id}`)
    }
    await conversation.refresh()
    // The assigner may lose sight of the chat (an agent with chats.assign handing it on).
    if (!(await bouncer.with('ConversationPolicy').allows('view', conversation))) {
      response.header('HX-Location', '/inbox')
      return ''
    }
    return view.render('partials/inbox/conversation', {
      open: await inboxView.conversation(auth.user!, conversation),
    })
  }
}
