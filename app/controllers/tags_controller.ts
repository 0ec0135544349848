import type { HttpContext } from '@adonisjs/core/http'
import Tag from '#models/tag'
import { renderPage } from '#services/page_renderer'
import tagManagement from '#services/tag_management'
import { tagValidator } from '#validators/tag_validator'

/** The tags page: list (active / inactive), create and edit, with the roles that see each tag. */
export default class TagsController {
  async index(ctx: HttpContext) {
    const status = tagManagement.statusFrom(ctx.request.qs())
    const tags = await tagManagement.list(status)
    return renderPage(
      ctx,
      { page: 'pages/tags/index', partial: 'partials/tags/table' },
      {
        tags,
        status,
      }
    )
  }

  async create({ view }: HttpContext) {
    const roles = await tagManagement.selectableRoles()
    return view.render('pages/tags/create', { roles, roleIds: [] })
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(tagValidator)
    const tag = await tagManagement.create({ user: auth.user!, ip: request.ip() }, data)
    session.flash('success', i18n.t('tags.created', { name: tag.name }))
    return response.redirect('/tags')
  }

  async edit({ params, view }: HttpContext) {
    const tag = await Tag.query().where('id', params.id).preload('roles').firstOrFail()
    const roles = await tagManagement.selectableRoles()
    return view.render('pages/tags/edit', { tag, roles, roleIds: tag.roles.map((role) => role.id) })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(tagValidator)
    const tag = await tagManagement.update(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      data
    )
    session.flash('success', i18n.t('tags.updated', { name: tag.name }))
    return response.redirect('/tags')
  }
}
