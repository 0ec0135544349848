import { I18n } from '@adonisjs/i18n'
import i18nManager from '@adonisjs/i18n/services/main'
import type { NextFn } from '@adonisjs/core/types/http'
import { type HttpContext, RequestValidator } from '@adonisjs/core/http'
import { requestOrganization } from '#services/request_organization'
import { isMachineRequest } from '#middleware/people_only'

/**
 * Locale of a request: the user's own choice, else the organization's
 * default, else Spanish. Validation messages use the same locale.
 */
export default class DetectUserLocaleMiddleware {
  static {
    RequestValidator.messagesProvider = (ctx) => ctx.i18n.createMessagesProvider()
  }

  async handle(ctx: HttpContext, next: NextFn) {
    // Provider webhooks have no reader and come by the thousand: no organization query and no
    // view for them (making a request's view lists the template components, about 0.15 ms).
    const machine = isMachineRequest(ctx.request)
    const preferred = machine
      ? i18nManager.defaultLocale
      : (ctx.auth.user?.locale ?? (await requestOrganization(ctx))?.defaultLocale ?? 'es')
    const locale = i18nManager.getSupportedLocaleFor([preferred]) ?? i18nManager.defaultLocale
    ctx.i18n = i18nManager.locale(locale)
    ctx.containerResolver.bindValue(I18n, ctx.i18n)
    if (!machine) ctx.view.share({ i18n: ctx.i18n, t: ctx.i18n.t.bind(ctx.i18n), locale })
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    i18n: I18n
  }
}
