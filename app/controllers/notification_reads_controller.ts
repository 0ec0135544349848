import type { HttpContext } from '@adonisjs/core/http'
import notifier from '#services/notifier'
import { organizationTimezone } from '#services/log_filters'

/**
 * Marking notifications read (one, or all of the user's own). The bell
 * follows through the live signal and, without Transmit, through the
 * `notifications:changed` event htmx raises from the response header.
 */
export default class NotificationReadsController {
  async store(ctx: HttpContext) {
    const user = ctx.auth.user!
    const notification = await notifier.findOwnOrFail(user, Number(ctx.params.id))
    await notifier.markRead(user, [notification.id])
    await notification.refresh()
    return this.#answer(ctx, 'partials/notifications/item', {
      notification: notifier.present(notification, ctx.i18n),
    })
  }

  async storeAll(ctx: HttpContext) {
    const user = ctx.auth.user!
    await notifier.markRead(user, 'all')
    const page = await notifier.page(user)
    return this.#answer(ctx, 'partials/notifications/list', {
      notifications: page.items.map((notification) => notifier.present(notification, ctx.i18n)),
      nextBefore: page.nextBefore,
      isFirstPage: true,
      errors: [],
    })
  }

  async #answer(ctx: HttpContext, partial: string, state: Record<string, unknown>) {
    if (ctx.request.header('hx-request') !== 'true') return ctx.response.redirect().back()
    ctx.response.header('HX-Trigger', 'notifications:changed')
    return ctx.view.render(partial, { ...state, timezone: await organizationTimezone() })
  }
}
