import type { HttpContext } from '@adonisjs/core/http'
import User from '#models/user'
import userManagement from '#services/user_management'
import { resetUserPasswordValidator } from '#validators/user_validator'

/** An administrator or supervisor sets a new password for someone else. */
export default class UserPasswordsController {
  async update({ params, request, response, auth, bouncer, session, i18n }: HttpContext) {
    await bouncer.with('UserPolicy').authorize('resetPassword', await User.findOrFail(params.id))
    const { password } = await request.validateUsing(resetUserPasswordValidator)
    const user = await userManagement.resetPassword(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      password
    )
    session.flash('success', i18n.t('users.password_reset', { name: user.fullName }))
    return response.redirect().back()
  }
}
