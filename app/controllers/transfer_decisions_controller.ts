import type { HttpContext } from '@adonisjs/core/http'
import { Exception } from '@adonisjs/core/exceptions'
import db from '@adonisjs/lucid/services/db'
import chatTransfers from '#services/chat_transfers'
import conversationAccess from '#services/conversation_access'
import { transferDecisionValidator } from '#validators/transfer_validator'

/** Approve or deny a pending request (transfers.approve, and the chat must be in the approver's sight). */
export default class TransferDecisionsController {
  async approve(ctx: HttpContext) {
    return this.#decide(ctx, 'approve')
  }

  async deny(ctx: HttpContext) {
    return this.#decide(ctx, 'deny')
  }

  async #decide(ctx: HttpContext, decision: 'approve' | 'deny') {
    const user = ctx.auth.user!
    const transferId = Number(ctx.params.id)
    const row = await db
      .from('transfer_requests')
      .where('id', transferId)
      .select('conversation_id')
      .first()
    if (!row) throw new Exception('transfer not found', { status: 404 })
    if (!(await conversationAccess.mayView(user, Number(row.conversation_id)))) {
      throw new Exception('forbidden', { status: 403, code: 'E_AUTHORIZATION_FAILURE' })
    }
    const { note } = await ctx.request.validateUsing(transferDecisionValidator)
    const input = { transferId, note, actor: user, ip: ctx.request.ip() }
    if (decision === 'approve') await chatTransfers.approve(input)
    else await chatTransfers.deny(input)
    ctx.session.flash(
      'success',
      ctx.i18n.t(decision === 'approve' ? 'transfers.flash.approved' : 'transfers.flash.denied')
    )
    return ctx.response.redirect().back()
  }
}
