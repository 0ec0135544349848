import type { HttpContext } from '@adonisjs/core/http'
import User from '#models/user'
import userManagement from '#services/user_management'
import { userStatusValidator } from '#validators/user_validator'

/** Inactivating and reactivating a user (users are never deleted). */
export default class UserStatusController {
  async update({ params, request, response, auth, bouncer, session, i18n }: HttpContext) {
    await bouncer.with('UserPolicy').authorize('changeStatus', await User.findOrFail(params.id))
    const { isActive } = await request.validateUsing(userStatusValidator)
    const user = await userManagement.setActive(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      isActive
    )
    session.flash(
      'success',
      i18n.t(isActive ? 'users.reactivated' : 'users.inactivated', { name: user.fullName })
    )
    return response.redirect().back()
  }
}
