import type { HttpContext } from '@adonisjs/core/http'
import quickReplyManagement from '#services/quick_reply_management'
import { quickReplyStatusValidator } from '#validators/quick_reply_validator'

/** Inactivating and reactivating a quick reply (never deleted). */
export default class QuickReplyStatusController {
  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const { isActive } = await request.validateUsing(quickReplyStatusValidator)
    const reply = await quickReplyManagement.setActive(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      isActive
    )
    session.flash(
      'success',
      i18n.t(isActive ? 'quick_replies.reactivated' : 'quick_replies.inactivated', {
        shortcut: reply.shortcut,
      })
    )
    return response.redirect().back()
  }
}
