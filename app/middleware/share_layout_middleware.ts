import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import navigation from '#services/navigation'
import { requestOrganization } from '#services/request_organization'

/** What the layout needs on every page: who is logged in and their navigation. */
export default class ShareLayoutMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.user
    if (user && 'view' in ctx) {
      ctx.view.share({
        currentUser: user,
        currentPath: ctx.request.url(),
        nav: await navigation.for(user, ctx.i18n.locale),
        isHtmx: ctx.request.header('hx-request') === 'true',
        // Times in chats and lists are the organization's (formatChatTime).
        timezone: (await requestOrganization(ctx))?.timezone ?? 'UTC',
      })
    }
    return next()
  }
}
