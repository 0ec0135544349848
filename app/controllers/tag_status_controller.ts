import type { HttpContext } from '@adonisjs/core/http'
import tagManagement from '#services/tag_management'
import { tagStatusValidator } from '#validators/tag_validator'

/** Inactivating and reactivating a tag (tags are never deleted). */
export default class TagStatusController {
  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const { isActive } = await request.validateUsing(tagStatusValidator)
    const tag = await tagManagement.setActive(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      isActive
    )
    session.flash(
      'success',
      i18n.t(isActive ? 'tags.reactivated' : 'tags.inactivated', { name: tag.name })
    )
    return response.redirect().back()
  }
}
