import type { HttpContext } from '@adonisjs/core/http'
import Role from '#models/role'
import permissionMatrix from '#services/permission_matrix'
import roleManagement from '#services/role_management'
import { roleValidator } from '#validators/role_validator'

/** The roles page (permission matrix, list of roles, new role form) and renaming custom roles. */
export default class RolesController {
  async index({ view, i18n }: HttpContext) {
    const matrix = await permissionMatrix.read(i18n.locale)
    const activeUsers = await roleManagement.activeUserCounts()
    return view.render('pages/roles/index', { ...matrix, activeUsers })
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(roleValidator)
    const role = await roleManagement.create({ user: auth.user!, ip: request.ip() }, data)
    session.flash('success', i18n.t('roles.created', { name: role.name }))
    return response.redirect('/roles')
  }

  /** Only custom roles are renamed: system roles keep their translated names. */
  async edit({ params, view }: HttpContext) {
    const role = await Role.query().where('id', params.id).where('is_system', false).firstOrFail()
    return view.render('pages/roles/edit', { role })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(roleValidator)
    await roleManagement.rename({ user: auth.user!, ip: request.ip() }, Number(params.id), data)
    session.flash('success', i18n.t('roles.updated'))
    return response.redirect('/roles')
  }
}
