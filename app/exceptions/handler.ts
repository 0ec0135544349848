import { isMachineRequest } from '#middleware/people_only'
import app from '@adonisjs/core/services/app'
import i18nManager from '@adonisjs/i18n/services/main'
import { type HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import type { StatusPageRange, StatusPageRenderer } from '@adonisjs/core/types/http'

/**
 * Every error a user can cause ends as a translated message, never a stack
 * trace. htmx requests get a fragment (or a reload when the CSRF token went
 * stale), JSON clients get `{ error }`.
 */
export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = !app.inProduction && !app.inTest
  protected renderStatusPages = true

  protected statusPages: Record<StatusPageRange, StatusPageRenderer> = {
    '403': (error, ctx) => this.#renderError(ctx, 403, 'errors.forbidden', error),
    '404': (error, ctx) => this.#renderError(ctx, 404, 'errors.not_found', error),
    '429': (error, ctx) => this.#renderError(ctx, 429, 'errors.too_many_requests', error),
    '500..599': (error, ctx) => this.#renderError(ctx, 500, 'errors.server', error),
  }

  async handle(error: unknown, ctx: HttpContext) {
    const code = (error as { code?: string }).code
    if (code === 'E_BAD_CSRF_TOKEN' && ctx.request.header('hx-request')) {
      ctx.response.header('HX-Refresh', 'true')
      return ctx.response.status(403).send('')
    }
    if (
      code === 'E_AUTHORIZATION_FAILURE' ||
      code === 'E_ROUTE_NOT_FOUND' ||
      code === 'E_TOO_MANY_REQUESTS'
    ) {
      const status =
        code === 'E_AUTHORIZATION_FAILURE' ? 403 : code === 'E_ROUTE_NOT_FOUND' ? 404 : 429
      const key = {
        403: 'errors.forbidden',
        404: 'errors.not_found',
        429: 'errors.too_many_requests',
      }[status]!
      return this.#renderError(ctx, status, key, error)
    }
    return super.handle(error, ctx)
  }

  async report(error: unknown, ctx: HttpContext) {
    return super.report(error, ctx)
  }

  async #renderError(ctx: HttpContext, status: number, key: string, _error: unknown) {
    // An unknown URL fails before the router middleware (session, i18n) ran.
    if (!ctx.i18n) {
      ctx.i18n = i18nManager.locale(i18nManager.defaultLocale)
      ctx.view.share({ i18n: ctx.i18n, t: ctx.i18n.t.bind(ctx.i18n), locale: ctx.i18n.locale })
    }
    const message = ctx.i18n.t(key)
    ctx.response.status(status)
    // Provider webhooks get no view (detect_user_locale_middleware): plain text for machines.
    if (isMachineRequest(ctx.request)) return ctx.response.send(message)
    if (ctx.request.accepts(['html', 'json']) === 'json' && !ctx.request.header('hx-request')) {
      return ctx.response.send({ error: message })
    }
    if (ctx.request.header('hx-request')) {
      // Show the message in the page's flash area instead of swapping the target.
      ctx.response.header('HX-Retarget', '#flash')
      ctx.response.header('HX-Reswap', 'innerHTML')
      return ctx.response.send(await ctx.view.render('partials/flash_error', { message }))
    }
    return ctx.response.send(await ctx.view.render('pages/errors/status', { status, message }))
  }
}
