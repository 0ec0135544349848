import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Provider callbacks (`/webhooks/*`, where channel plugins mount their
 * webhooks) are machines, not people: no session, no CSRF token, no login,
 * no menu. They verify their own signatures, and they come by the thousand
 * — the people's middleware cost a Meta webhook about 0.75 ms of CPU, half
 * of its whole acknowledgement (docs/BENCHMARKS.md, meta_webhook).
 */
export function isMachineRequest(request: HttpContext['request']) {
  return request.url().startsWith('/webhooks/')
}

type MiddlewareClass = new (...args: any[]) => {
  handle(ctx: HttpContext, next: NextFn): unknown
}

/**
 * A server middleware that runs only for people's requests: machine
 * requests skip straight to the next one. Usage in start/kernel.ts:
 * `forPeople(() => import('@adonisjs/session/session_middleware'))`.
 */
export function forPeople(load: () => Promise<{ default: MiddlewareClass }>) {
  return async () => {
    const Inner = (await load()).default
    return {
      default: class PeopleOnlyMiddleware {
        #inner?: Promise<InstanceType<MiddlewareClass>>

        async handle(ctx: HttpContext, next: NextFn) {
          if (isMachineRequest(ctx.request)) return next()
          this.#inner ??= app.container.make(Inner)
          return (await this.#inner).handle(ctx, next)
        }
      },
    }
  }
}
