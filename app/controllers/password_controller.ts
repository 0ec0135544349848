import type { HttpContext } from '@adonisjs/core/http'
import hash from '@adonisjs/core/services/hash'
import { passwordChangeValidator } from '#validators/session_validator'
import auditTrail from '#services/audit_trail'

/** Everyone changes their own password, proving the current one first. */
export default class PasswordController {
  async edit({ view }: HttpContext) {
    return view.render('pages/account/password')
  }

  async update({ request, response, auth, session, i18n }: HttpContext) {
    const user = auth.user!
    const { currentPassword, password } = await request.validateUsing(passwordChangeValidator)
    if (!(await hash.verify(user.password, currentPassword))) {
      session.flash('errors', { currentPassword: i18n.t('account.current_password_wrong') })
      return response.redirect().back()
    }
    user.password = password
    await user.save()
    await auditTrail.record({
      actorId: user.id,
      action: 'user.password_changed',
      subjectType: 'user',
      subjectId: user.id,
      ip: request.ip(),
    })
    session.flash('success', i18n.t('account.password_changed'))
    return response.redirect().back()
  }
}
