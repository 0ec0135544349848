import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import presence from '#services/routing/agent_presence'

/** A process writes one sign of life per user at most this often. */
const EVERY_MS = 30_000
const lastTouch = new Map<number, number>()

/**
 * Any authenticated request is a sign of life for the availability idle
 * limit (the page's heartbeat covers an agent reading without clicking).
 * Throttled in memory so most requests cost nothing; the write itself only
 * touches agents who are online or busy.
 */
export default class PresenceHeartbeatMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth?.user
    if (user) {
      const now = Date.now()
      if ((lastTouch.get(user.id) ?? 0) + EVERY_MS < now) {
        lastTouch.set(user.id, now)
        await presence.touch(user.id)
      }
    }
    return next()
  }
}
