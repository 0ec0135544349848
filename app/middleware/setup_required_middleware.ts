import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import setupState from '#services/setup_state'

/**
 * Until the first administrator exists every page leads to /setup; once it
 * exists /setup is closed for good.
 */
export default class SetupRequiredMiddleware {
  #open = ['/setup', '/health']

  async handle(ctx: HttpContext, next: NextFn) {
    const path = ctx.request.url()
    const isSetupRoute = path === '/setup'
    if (path.startsWith('/vendor/') || path === '/health') return next()
    const done = await setupState.isComplete()
    if (!done && !this.#open.includes(path)) return ctx.response.redirect('/setup')
    if (done && isSetupRoute) return ctx.response.redirect('/login')
    return next()
  }
}
