import type { HttpContext } from '@adonisjs/core/http'
import { metaContext } from '../plugin_context.js'
import metaNumbers from '../numbers/meta_numbers.js'
import webhookInbox from './webhook_inbox.js'

/**
 * `GET /webhooks/meta`: Meta's verification handshake (A.1). Answers the
 * challenge as plain text when the token is one of our numbers' verify tokens.
 */
export async function verifyWebhook({ request, response }: HttpContext) {
  const query = request.qs()
  const mode = query['hub.mode'] ?? query.hub?.mode
  const token = query['hub.verify_token'] ?? query.hub?.verify_token
  const challenge = query['hub.challenge'] ?? query.hub?.challenge
  const numbers = await metaNumbers.all()
  if (mode !== 'subscribe' || !token || !numbers.some((n) => n.verifyToken === String(token))) {
    return response.status(403).header('content-type', 'text/plain').send('Forbidden')
  }
  return response
    .status(200)
    .header('content-type', 'text/plain')
    .send(String(challenge ?? ''))
}

/**
 * Rejected webhooks are a critical event, but a flood of forged requests
 * must not flood the log: one event per minute, counting the ones between.
 */
class Rejections {
  #lastAt = 0
  #suppressed = 0

  async note(ip: string, bytes: number, signed: boolean) {
    if (Date.now() - this.#lastAt < 60_000) {
      this.#suppressed++
      return
    }
    const suppressed = this.#suppressed
    this.#lastAt = Date.now()
    this.#suppressed = 0
    await metaContext().systemEvents.record({
      level: 'critical',
      category: 'meta.webhook_bad_signature',
      message:
        (signed
          ? 'A webhook with an invalid X-Hub-Signature-256 was rejected'
          : 'A webhook without X-Hub-Signature-256 was rejected') +
        (suppressed ? ` (${suppressed} more rejected in the previous minute)` : ''),
      context: { ip, bytes, suppressedBefore: suppressed },
    })
  }

  /** Tests: as if the minute had passed. */
  expire() {
    this.#lastAt = 0
  }

  /** Tests: every rejection is recorded again. */
  reset() {
    this.#lastAt = 0
    this.#suppressed = 0
  }
}

export const rejections = new Rejections()

/**
 * `POST /webhooks/meta`: verified over the raw body, stored, acknowledged.
 * Processing happens in the webhook worker, never in this request.
 */
export async function receiveWebhook({ request, response }: HttpContext) {
  const raw = Buffer.from(request.raw() ?? '', 'utf8')
  const signature = request.header('x-hub-signature-256')
  const result = await webhookInbox.intake(raw, signature)
  if (result === 'bad_signature') {
    await rejections.note(request.ip(), raw.length, Boolean(signature))
    return response.status(401).send('Invalid signature')
  }
  return response.status(200).send('OK')
}
