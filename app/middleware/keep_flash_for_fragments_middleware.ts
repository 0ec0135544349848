import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * A flash message ("Saved.", "Transfer approved.") lives for exactly one
 * request: the page the redirect leads to. A live refetch (a fragment
 * fetched because an SSE signal arrived, marked `X-Chasqui-Live` by
 * resources/js/live.js) can slip in between the redirect and that page and
 * eat the message, so the user would never see it. Such refetches hand the
 * messages on to the next request instead.
 */
export default class KeepFlashForFragmentsMiddleware {
  async handle({ request, session }: HttpContext, next: NextFn) {
    if (request.method() === 'GET' && request.header('X-Chasqui-Live')) session.reflash()
    return next()
  }
}
