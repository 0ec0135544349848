import { metaContext } from '../plugin_context.js'
import metaNumbers, { type MetaNumber } from '../numbers/meta_numbers.js'
import { explainError } from '../graph/error_catalog.js'
import { normalizeWebhook, type WebhookItem } from './payload_normalizer.js'
import { verifySignature } from './signature.js'
import { fetchMedia } from './media_fetcher.js'
import templateSync from '../templates/template_sync.js'
import type { NormalizedInboundMessage } from '#channels/ingest_port'

/** A message with nothing to fetch first, ready for the ingest port. */
export interface PlainMessage {
  connectionId: number
  message: NormalizedInboundMessage
}

/**
 * One stored body, read and routed by `phone_number_id` to its connection
 * (items for unknown numbers, or signed by another number's app, are
 * dropped here). Its plain messages are handed out, so the inbox can store
 * a whole round's together; `rest()` handles everything else in the body's
 * order, once they are stored. Safe to run again on the same body (the port
 * is idempotent on wamid and on (wamid, status)), which is how failures are
 * retried.
 */
export interface RoutedWebhook {
  plain: PlainMessage[]
  rest(): Promise<void>
}

export async function routeWebhook(
  body: string,
  signature: string,
  options: { lastAttempt: boolean }
): Promise<RoutedWebhook> {
  const ctx = metaContext()
  const raw = Buffer.from(body, 'utf8')
  const items = normalizeWebhook(JSON.parse(body))
  const trusted = new Map<string, MetaNumber | null>()

  const numberFor = async (phoneNumberId: string) => {
    if (trusted.has(phoneNumberId)) return trusted.get(phoneNumberId)!
    const number = await metaNumbers.byPhoneNumberId(phoneNumberId)
    let result: MetaNumber | null = number
    if (!number) {
      ctx.logger.warn({ phoneNumberId }, 'meta webhook for an unknown phone number id')
      result = null
    } else if (!verifySignature(raw, signature, number.appSecret)) {
      // Signed by another app's secret: authentic for someone, but not for this number.
      await ctx.systemEvents.record({
        level: 'critical',
        category: 'meta.webhook_bad_signature',
        message: `A webhook for phone number id ${phoneNumberId} was not signed with that number's app secret`,
        context: { phoneNumberId, connectionId: number.connectionId },
      })
      result = null
    }
    trusted.set(phoneNumberId, result)
    return result
  }

  const plain: PlainMessage[] = []
  const rest: (() => Promise<void>)[] = []
  for (const item of items) {
    if (item.type === 'template_status') {
      rest.push(() => templateStatusChanged(raw, signature, item))
      continue
    }
    if (item.type === 'ignored') {
      ctx.logger.debug({ reason: item.reason }, 'meta webhook item ignored')
      continue
    }
    const number = item.phoneNumberId ? await numberFor(item.phoneNumberId) : null
    if (!number) continue
    if (item.type === 'message' && !item.mediaId) {
      plain.push({ connectionId: number.connectionId, message: item.message })
      continue
    }
    rest.push(() => handle(number, item, options))
  }
  return {
    plain,
    async rest() {
      for (const step of rest) await step()
    },
  }
}

/**
 * A template of a WhatsApp Business account was approved, rejected, paused
 * or disabled: the numbers of that account (whose app secret signed the
 * body) fetch their templates again, so the composer offers exactly the
 * approved ones; anything but an approval is told to the admins.
 */
async function templateStatusChanged(
  raw: Buffer,
  signature: string,
  item: Extract<WebhookItem, { type: 'template_status' }>
) {
  const ctx = metaContext()
  const numbers = (await metaNumbers.all()).filter(
    (number) => number.wabaId === item.wabaId && verifySignature(raw, signature, number.appSecret)
  )
  for (const number of numbers) await templateSync.sync(number.connectionId)
  if (!numbers.length || item.event === 'APPROVED') return
  await ctx.systemEvents.record({
    level: 'warning',
    category: 'meta.template_status',
    message: `Meta template "${item.name ?? '?'}" (${item.language ?? '?'}) is now ${item.event}${item.reason ? `: ${item.reason}` : ''}`,
    context: { wabaId: item.wabaId, name: item.name, language: item.language, event: item.event },
  })
}

async function handle(number: MetaNumber, item: WebhookItem, options: { lastAttempt: boolean }) {
  const ctx = metaContext()
  const ingest = ctx.ports.ingest
  switch (item.type) {
    case 'message': {
      const message = item.message
      if (item.mediaId) {
        try {
          message.media = await fetchMedia(number, item.mediaId, {
            mime: message.media?.mime,
            filename: message.media?.filename,
            at: message.at,
          })
        } catch (error) {
          // Try the whole body again later; on the last attempt keep the message without its file.
          if (!options.lastAttempt) throw error
          message.metadata = {
            ...message.metadata,
            mediaError: String((error as Error)?.message ?? error),
          }
        }
      }
      await ingest.message(number.connectionId, message)
      return
    }
    case 'status':
      await ingest.status(number.connectionId, item.status)
      return
    case 'call':
      await ingest.call(number.connectionId, item.call)
      return
    case 'error':
      await ctx.systemEvents.record({
        level: 'warning',
        category: 'meta.webhook_error',
        message: `Meta reported an error for connection ${number.connectionId}: ${explainError(item.code, item.details)}`,
        context: { connectionId: number.connectionId, code: item.code, details: item.details },
      })
  }
}
