import type { HttpContext } from '@adonisjs/core/http'

/** The header's bell alone, refetched when a live signal says the count changed. */
export default class NotificationBellController {
  async show({ view }: HttpContext) {
    return view.render('partials/notification_bell')
  }
}
