import type { HttpContext } from '@adonisjs/core/http'

/** The header's pending-to-answer counter alone (R-MSG-3), refetched on live signals. */
export default class InboxPendingCounterController {
  async show({ view }: HttpContext) {
    return view.render('partials/inbox/pending_counter')
  }
}
