import type { HttpContext } from '@adonisjs/core/http'
import notifier, { safeUrl } from '#services/notifier'
import { renderPage } from '#services/page_renderer'
import { notificationPageValidator } from '#validators/log_filters_validator'
import { organizationTimezone, readFilters } from '#services/log_filters'

/** The user's own notifications; nobody can list or open anyone else's. */
export default class NotificationsController {
  async index(ctx: HttpContext) {
    const { filters, errors } = await readFilters(
      notificationPageValidator,
      ctx.request.qs(),
      ctx.i18n
    )
    const page = await notifier.page(ctx.auth.user!, { before: filters?.before })
    return renderPage(
      ctx,
      { page: 'pages/notifications/index', partial: 'partials/notifications/list' },
      {
        notifications: page.items.map((notification) => notifier.present(notification, ctx.i18n)),
        nextBefore: page.nextBefore,
        isFirstPage: !filters?.before,
        errors,
        timezone: await organizationTimezone(),
      }
    )
  }

  /** Opening a notification marks it read and goes where it points. */
  async show({ params, auth, response }: HttpContext) {
    const notification = await notifier.findOwnOrFail(auth.user!, Number(params.id))
    await notifier.markRead(auth.user!, [notification.id])
    return response.redirect(safeUrl(notification.url) ?? '/notifications')
  }
}
