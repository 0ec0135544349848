import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { hasPermission } from '#abilities/main'

/**
 * `middleware.can(['users.manage'])` on a route: the user needs at least one
 * of the listed permissions. Denials are 403 with a translated page/fragment.
 */
export default class PermissionMiddleware {
  async handle(ctx: HttpContext, next: NextFn, permissions: string[]) {
    for (const permission of permissions) {
      if (await ctx.bouncer.allows(hasPermission, permission)) return next()
    }
    return ctx.bouncer.authorize(hasPermission, permissions[0])
  }
}
