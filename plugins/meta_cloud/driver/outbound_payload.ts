import type { OutboundMessage } from '#channels/channel_driver'

/*
| The core's outbound message → the body of `POST /{phone-number-id}/messages`
| (CONTRACTS.md A.6). Pure: media ids are resolved by the driver first.
*/

export class PayloadError extends Error {}

/**
 * The core's OutboundTemplate. Parameter names follow the template's
 * (template_sync.ts): `header:image|video|document` → the header's file by
 * link, `header:<placeholder>` → a text header's, `button:<index>` → a URL
 * button's dynamic part; anything else (null for positional) → the body.
 */
export interface TemplateSend {
  name: string
  language: string
  parameters?: { name?: string | null; value: string }[]
}

/** `to` (digits) when the contact has a number, else the business-scoped user id (`recipient`, A.4). */
export function recipientOf(message: OutboundMessage): Record<string, string> {
  const digits = message.to.waId ?? message.to.phoneE164?.replace(/\D/g, '') ?? null
  if (digits) return { to: digits }
  if (message.to.bsuid) return { recipient: message.to.bsuid }
  throw new PayloadError('The contact has no WhatsApp number or business-scoped user id')
}

function textParameter(name: string | null, value: string) {
  return name && !/^\d+$/.test(name)
    ? { type: 'text', parameter_name: name, text: value }
    : { type: 'text', text: value }
}

const MEDIA_HEADER = /^header:(image|video|document)$/

export function templatePayload(template: TemplateSend) {
  const header: Record<string, unknown>[] = []
  const body: Record<string, unknown>[] = []
  const buttons: Record<string, unknown>[] = []
  for (const { name = null, value } of template.parameters ?? []) {
    const media = name ? MEDIA_HEADER.exec(name) : null
    if (media) header.push({ type: media[1], [media[1]]: { link: value } })
    else if (name?.startsWith('header:')) header.push(textParameter(name.slice(7), value))
    else if (name?.startsWith('button:')) {
      buttons.push({
        type: 'button',
        sub_type: 'url',
        index: name.slice(7),
        parameters: [{ type: 'text', text: value }],
      })
    } else body.push(textParameter(name, value))
  }
  const components: Record<string, unknown>[] = []
  if (header.length) components.push({ type: 'header', parameters: header })
  if (body.length) components.push({ type: 'body', parameters: body })
  components.push(...buttons)
  return {
    name: template.name,
    language: { code: template.language },
    ...(components.length ? { components } : {}),
  }
}

export function buildPayload(message: OutboundMessage, mediaId: string | null) {
  const body: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipientOf(message),
  }
  if (message.replyTo?.externalId) body.context = { message_id: message.replyTo.externalId }
  const caption = message.body?.trim() ? message.body.slice(0, 1024) : undefined
  const template = message.metadata?.template as TemplateSend | undefined

  if (template) {
    body.type = 'template'
    body.template = templatePayload(template)
    return body
  }
  switch (message.kind) {
    case 'text':
      if (!message.body) throw new PayloadError('Empty text')
      body.type = 'text'
      // No preview_url: links are never sent from the composer (R-MSG-2).
      body.text = { body: message.body.slice(0, 4096) }
      return body
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'voice':
    case 'sticker': {
      if (!mediaId) throw new PayloadError('Media message without media')
      const type = message.kind === 'voice' ? 'audio' : message.kind
      const part: Record<string, unknown> = { id: mediaId }
      if (caption && (type === 'image' || type === 'video' || type === 'document'))
        part.caption = caption
      if (type === 'document' && message.media?.filename) part.filename = message.media.filename
      body.type = type
      body[type] = part
      return body
    }
    case 'location': {
      const location = message.metadata?.location as Record<string, unknown> | undefined
      if (!location) throw new PayloadError('Location without coordinates')
      body.type = 'location'
      body.location = location
      return body
    }
    case 'reaction':
      if (!message.replyTo?.externalId) throw new PayloadError('Reaction without a target')
      delete body.context
      body.type = 'reaction'
      body.reaction = { message_id: message.replyTo.externalId, emoji: message.body ?? '' }
      return body
    default:
      throw new PayloadError(`Meta does not send ${message.kind} messages`)
  }
}
