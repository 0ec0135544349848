import type { HttpContext } from '@adonisjs/core/http'
import User from '#models/user'
import Role from '#models/role'
import Organization from '#models/organization'
import { renderPage } from '#services/page_renderer'
import userDirectory from '#services/user_directory'
import userManagement from '#services/user_management'
import { createUserValidator, updateUserValidator } from '#validators/user_validator'

/** The users page: list with search and filters, create, edit (role included). */
export default class UsersController {
  async index(ctx: HttpContext) {
    const filters = userDirectory.filtersFrom(ctx.request.qs())
    const users = await userDirectory.search(filters)
    const roles = await Role.query().orderBy('id')
    return renderPage(
      ctx,
      { page: 'pages/users/index', partial: 'partials/users/table' },
      { users, filters, roles }
    )
  }

  async create({ view, auth }: HttpContext) {
    const roles = await userManagement.assignableRoles(auth.user!)
    return view.render('pages/users/create', {
      roles,
      defaultLocale: await Organization.defaultLocale(),
    })
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(createUserValidator)
    const user = await userManagement.create({ user: auth.user!, ip: request.ip() }, data)
    session.flash('success', i18n.t('users.created', { name: user.fullName }))
    return response.redirect('/users')
  }

  async edit({ params, view, auth, bouncer }: HttpContext) {
    const user = await User.query().where('id', params.id).preload('role').firstOrFail()
    await bouncer.with('UserPolicy').authorize('edit', user)
    const roles = await userManagement.assignableRoles(auth.user!, user.role)
    return view.render('pages/users/edit', { user, roles })
  }

  async update({ params, request, response, auth, bouncer, session, i18n }: HttpContext) {
    // Authorize before validating: an unauthorized actor learns nothing from error messages.
    await bouncer.with('UserPolicy').authorize('edit', await User.findOrFail(params.id))
    const data = await request.validateUsing(updateUserValidator)
    await userManagement.update({ user: auth.user!, ip: request.ip() }, Number(params.id), data)
    session.flash('success', i18n.t('users.updated'))
    return response.redirect(`/users/${params.id}/edit`)
  }
}
