import type { HttpContext } from '@adonisjs/core/http'
import inboxView from '#services/inbox_view'
import chatTransfers, { type TransferTarget } from '#services/chat_transfers'
import conversationTransferPanel from '#services/conversation_transfer_panel'
import { transferValidator } from '#validators/transfer_validator'

/**
 * Transfers from the conversation pane: its panel (the pending request, the
 * request form, the approver's direct transfer), an agent's request
 * (transfers.request, their own chat) and an approver's direct transfer.
 */
export default class ConversationTransfersController {
  async panel({ params, auth, bouncer, view }: HttpContext) {
    const conversation = await inboxView.find(params.id)
    await bouncer.with('ConversationPolicy').authorize('view', conversation)
    return view.render('partials/transfers/conversation_panel', {
      panel: await conversationTransferPanel.for(auth.user!, conversation),
    })
  }

  async store(ctx: HttpContext) {
    const input = await this.#input(ctx)
    await chatTransfers.request(input)
    ctx.session.flash('success', ctx.i18n.t('transfers.flash.requested'))
    return ctx.response.redirect(`/inbox/conversations/${input.conversationId}`)
  }

  async direct(ctx: HttpContext) {
    const input = await this.#input(ctx)
    await chatTransfers.transferDirectly(input)
    ctx.session.flash('success', ctx.i18n.t('transfers.flash.transferred'))
    const conversation = await inboxView.find(input.conversationId)
    const stillVisible = await ctx.bouncer.with('ConversationPolicy').allows('view', conversation)
    return ctx.response.redirect(
      stillVisible ? `/inbox/conversations/${conversation.id}` : '/inbox'
    )
  }

  /** The chat (which the user must see) and the validated target and reason. */
  async #input(ctx: HttpContext) {
    const conversation = await inboxView.find(ctx.params.id)
    await ctx.bouncer.with('ConversationPolicy').authorize('view', conversation)
    const data = await ctx.request.validateUsing(transferValidator)
    return {
      conversationId: conversation.id,
      target: targetOf(data),
      reason: data.reason,
      actor: ctx.auth.user!,
      ip: ctx.request.ip(),
    }
  }
}

function targetOf(data: {
  targetType: 'user' | 'department'
  targetUserId?: number
  targetDepartmentId?: number
}): TransferTarget {
  return data.targetType === 'user'
    ? { type: 'user', id: data.targetUserId! }
    : { type: 'department', id: data.targetDepartmentId! }
}
