import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { errors } from '@adonisjs/core/http'
import pluginHost from '#plugin_host/plugin_host'

/**
 * Guards every plugin route (the router is committed once at boot, so a
 * disabled plugin's routes still exist): while the plugin is not active they
 * answer the core's own translated 404, as if they did not exist.
 */
export default class PluginActiveMiddleware {
  async handle(ctx: HttpContext, next: NextFn, options: { key: string }) {
    if (!pluginHost.isActive(options.key)) {
      throw new errors.E_ROUTE_NOT_FOUND([ctx.request.method(), ctx.request.url()])
    }
    return next()
  }
}
