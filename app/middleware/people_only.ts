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

/** Meta's largest webhook payload is 3 MB; anything above is not a provider's callback. */
const MACHINE_BODY_LIMIT = 3 * 1024 * 1024

/**
 * The body parser for people; for machine requests only the raw body.
 * Webhooks verify a signature over the bytes and store them as they came,
 * so parsing their JSON here too was wasted (the parser's safe JSON parse
 * was the largest single cost of a Meta acknowledgement). A compressed body
 * still goes through the parser, which inflates it.
 */
export function parsedForPeople(load: () => Promise<{ default: MiddlewareClass }>) {
  return async () => {
    const Inner = (await load()).default
    return {
      default: class MachineRawBodyMiddleware {
        #inner?: Promise<InstanceType<MiddlewareClass>>

        async handle(ctx: HttpContext, next: NextFn) {
          const { request } = ctx
          if (
            !isMachineRequest(request) ||
            request.method() === 'GET' ||
            request.header('content-encoding')
          ) {
            this.#inner ??= app.container.make(Inner)
            return (await this.#inner).handle(ctx, next)
          }
          const raw = await readRaw(request.request, MACHINE_BODY_LIMIT)
          if (raw === null) return ctx.response.status(413).send('Payload Too Large')
          request.updateRawBody(raw.toString('utf8'))
          return next()
        }
      },
    }
  }
}

function readRaw(stream: HttpContext['request']['request'], limit: number) {
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        stream.removeAllListeners('data')
        stream.resume()
        resolve(null)
        return
      }
      chunks.push(chunk)
    })
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}
