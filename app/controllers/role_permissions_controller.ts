import type { HttpContext } from '@adonisjs/core/http'
import permissionMatrix from '#services/permission_matrix'
import { permissionMatrixValidator } from '#validators/role_validator'

/** Saving the role × permission matrix in one submit. */
export default class RolePermissionsController {
  async update({ request, response, auth, session, i18n }: HttpContext) {
    const { roles, grants } = await request.validateUsing(permissionMatrixValidator)
    const changed = await permissionMatrix.save(
      { user: auth.user!, ip: request.ip() },
      roles,
      grants ?? []
    )
    session.flash('success', i18n.t('roles.permissions_saved', { count: changed }))
    return response.redirect('/roles')
  }
}
