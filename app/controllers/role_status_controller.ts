import type { HttpContext } from '@adonisjs/core/http'
import roleManagement from '#services/role_management'
import { roleStatusValidator } from '#validators/role_validator'

/** Inactivating and reactivating a custom role. */
export default class RoleStatusController {
  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const { isActive } = await request.validateUsing(roleStatusValidator)
    const role = await roleManagement.setActive(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      isActive
    )
    session.flash(
      'success',
      i18n.t(isActive ? 'roles.reactivated' : 'roles.inactivated', { name: role.label(i18n) })
    )
    return response.redirect('/roles')
  }
}
