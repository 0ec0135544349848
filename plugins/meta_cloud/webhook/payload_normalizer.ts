import type {
  CallStatus,
  ContactIdentity,
  InboundKind,
  NormalizedCall,
  NormalizedInboundMessage,
  NormalizedStatus,
} from '#channels/ingest_port'
import { explainError } from '../graph/error_catalog.js'

/*
| Meta's webhook shapes (CONTRACTS.md A.2–A.5, A.10) → the core's
| normalized ones. Pure functions: no I/O, so every fixture can be checked
| without a database, and the worker decides what to do with each item.
*/

export type WebhookItem =
  | {
      type: 'message'
      phoneNumberId: string
      message: NormalizedInboundMessage
      /** A media id to fetch through the two-step download before ingesting. */
      mediaId: string | null
    }
  | { type: 'status'; phoneNumberId: string; status: NormalizedStatus }
  | { type: 'call'; phoneNumberId: string; call: NormalizedCall }
  | { type: 'error'; phoneNumberId: string | null; code: number | null; details: string }
  | {
      type: 'template_status'
      phoneNumberId: null
      /** The WhatsApp Business account (the entry's id): the event has no phone number. */
      wabaId: string
      name: string | null
      language: string | null
      /** APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION… as Meta names it. */
      event: string
      reason: string | null
    }
  | { type: 'ignored'; phoneNumberId: string | null; reason: string }

const MEDIA_KINDS = new Set(['image', 'audio', 'document', 'video', 'sticker'])

function at(timestamp: unknown): Date {
  const seconds = Number(timestamp)
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date()
}

function identity(message: any, contacts: any[]): ContactIdentity {
  const from: string | null = message.from ?? null
  const fromUser: string | null = message.from_user_id ?? null
  const contact =
    contacts.find((c) => (from && c.wa_id === from) || (fromUser && c.user_id === fromUser)) ??
    (contacts.length === 1 ? contacts[0] : null)
  return {
    waId: from ?? contact?.wa_id ?? null,
    bsuid: contact?.user_id ?? fromUser ?? null,
    username: contact?.profile?.username ?? null,
    profileName: contact?.profile?.name ?? null,
  }
}

function contactNames(cards: any[]): string {
  return cards
    .map(
      (card) =>
        card?.name?.formatted_name ??
        [card?.name?.first_name, card?.name?.last_name].filter(Boolean).join(' ')
    )
    .filter(Boolean)
    .join(', ')
}

/** One inbound message (A.3). Unknown types become 'unsupported' with their type kept. */
export function normalizeMessage(
  message: any,
  contacts: any[]
): { message: NormalizedInboundMessage; mediaId: string | null } {
  const type: string = message.type ?? 'unknown'
  const metadata: Record<string, unknown> = { metaType: type }
  if (message.context?.forwarded) metadata.forwarded = true
  if (message.context?.frequently_forwarded) metadata.frequentlyForwarded = true
  if (message.referral) metadata.referral = message.referral
  if (message.errors) metadata.errors = message.errors

  let kind: InboundKind = 'unsupported'
  let body: string | null = null
  let mediaId: string | null = null
  let media: NormalizedInboundMessage['media'] = null
  let replyTo: { externalId: string } | null = message.context?.id
    ? { externalId: message.context.id }
    : null

  if (type === 'text') {
    kind = 'text'
    body = message.text?.body ?? ''
  } else if (MEDIA_KINDS.has(type) && message[type]) {
    const part = message[type]
    kind = type === 'audio' && part.voice ? 'voice' : (type as InboundKind)
    body = part.caption ?? null
    mediaId = part.id ? String(part.id) : null
    media = {
      mime: part.mime_type ?? null,
      filename: part.filename ?? null,
      providerMediaId: mediaId,
    }
    if (type === 'sticker') metadata.animated = Boolean(part.animated)
  } else if (type === 'location' && message.location) {
    kind = 'location'
    const { latitude, longitude, name, address, url } = message.location
    metadata.location = {
      latitude,
      longitude,
      name: name ?? null,
      address: address ?? null,
      url: url ?? null,
    }
    body = [name, address].filter(Boolean).join(' · ') || `${latitude}, ${longitude}`
  } else if (type === 'contacts' && Array.isArray(message.contacts)) {
    kind = 'contacts'
    metadata.contacts = message.contacts
    body = contactNames(message.contacts)
  } else if (type === 'interactive' && message.interactive) {
    kind = 'interactive'
    const interactive = message.interactive
    const reply = interactive[interactive.type] ?? {}
    metadata.interactive = {
      type: interactive.type,
      id: reply.id ?? null,
      title: reply.title ?? null,
      description: reply.description ?? null,
      response: reply.response ?? null,
    }
    body = reply.title ?? reply.body ?? reply.response ?? null
  } else if (type === 'button' && message.button) {
    kind = 'interactive'
    metadata.interactive = {
      type: 'button',
      id: message.button.payload ?? null,
      title: message.button.text ?? null,
    }
    body = message.button.text ?? null
  } else if (type === 'reaction' && message.reaction) {
    kind = 'reaction'
    // Removed reaction: empty emoji or no key at all (A.3).
    body = message.reaction.emoji ?? ''
    replyTo = message.reaction.message_id ? { externalId: message.reaction.message_id } : null
  } else {
    kind = 'unsupported'
    metadata.unsupported = { type: message.unsupported?.type ?? type }
  }

  return {
    message: {
      externalId: String(message.id),
      contact: identity(message, contacts),
      kind,
      body,
      media,
      replyTo,
      at: at(message.timestamp),
      metadata,
    },
    mediaId,
  }
}

/**
 * Coexistence: what the business sent from the WhatsApp Business app on its
 * phone (`smb_message_echoes`) is stored as an outbound message of the
 * customer's chat (A.3: "ingest these as outbound messages"), so agents see
 * the whole conversation and the chat counts as answered.
 */
function echoItem(phoneNumberId: string, echo: any): WebhookItem {
  const customer = { ...echo, from: echo.to ?? null, from_user_id: echo.to_user_id ?? null }
  const normalized = normalizeMessage(customer, [])
  normalized.message.direction = 'out'
  normalized.message.status = 'sent'
  normalized.message.metadata = { ...normalized.message.metadata, businessAppEcho: true }
  return { type: 'message', phoneNumberId, ...normalized }
}

const STATUSES = new Set(['sent', 'delivered', 'read', 'failed'])

/** One status (A.5): unknown status strings are reported as ignored, never guessed. */
export function normalizeStatus(status: any): NormalizedStatus | null {
  if (!STATUSES.has(status.status)) return null
  const error = Array.isArray(status.errors) ? status.errors[0] : null
  const code = error?.code === undefined || error?.code === null ? null : Number(error.code)
  return {
    externalId: String(status.id),
    status: status.status,
    at: at(status.timestamp),
    errorCode: status.status === 'failed' && code !== null ? String(code) : null,
    errorReason:
      status.status === 'failed'
        ? explainError(code, error?.error_data?.details ?? error?.message ?? null)
        : null,
  }
}

const CALL_STATUS: Record<string, CallStatus> = {
  RINGING: 'ringing',
  ACCEPTED: 'accepted',
  REJECTED: 'rejected',
}

function callContact(value: any, waId: string | null): ContactIdentity {
  const contact = (value.contacts ?? []).find((c: any) => c.wa_id === waId) ?? value.contacts?.[0]
  return {
    waId: waId ?? contact?.wa_id ?? null,
    bsuid: contact?.user_id ?? null,
    profileName: contact?.profile?.name ?? null,
  }
}

/** Call events and call statuses (A.10) → one timeline entry per call. */
function normalizeCalls(value: any): NormalizedCall[] {
  const calls: NormalizedCall[] = []
  for (const call of value.calls ?? []) {
    const incoming = call.direction !== 'BUSINESS_INITIATED'
    const customer = incoming ? call.from : call.to
    let status: CallStatus
    if (call.event === 'connect') status = incoming ? 'offer' : 'accepted'
    else if (call.event === 'terminate') {
      if (call.status === 'FAILED') status = incoming && !call.duration ? 'missed' : 'failed'
      else status = 'ended'
    } else continue
    calls.push({
      callId: String(call.id),
      contact: callContact(value, customer ?? null),
      direction: incoming ? 'in' : 'out',
      status,
      at: at(call.timestamp),
      durationSeconds: typeof call.duration === 'number' ? call.duration : null,
      metadata: { event: call.event, metaStatus: call.status ?? null },
    })
  }
  for (const status of value.statuses ?? []) {
    if (status.type !== 'call' || !CALL_STATUS[status.status]) continue
    calls.push({
      callId: String(status.id),
      contact: callContact(value, status.recipient_id ?? null),
      direction: 'out',
      status: CALL_STATUS[status.status],
      at: at(status.timestamp),
    })
  }
  return calls
}

/** Every item of a webhook body, in order: entries → changes → messages / statuses / calls / errors. */
export function normalizeWebhook(payload: any): WebhookItem[] {
  const items: WebhookItem[] = []
  if (payload?.object !== 'whatsapp_business_account' || !Array.isArray(payload.entry)) {
    return [{ type: 'ignored', phoneNumberId: null, reason: `object ${payload?.object}` }]
  }
  for (const entry of payload.entry) {
    for (const change of entry?.changes ?? []) {
      const value = change?.value ?? {}
      if (change?.field === 'message_template_status_update') {
        items.push({
          type: 'template_status',
          phoneNumberId: null,
          wabaId: String(entry.id ?? ''),
          name: value.message_template_name ?? null,
          language: value.message_template_language ?? null,
          event: String(value.event ?? 'UNKNOWN'),
          reason: value.reason && value.reason !== 'NONE' ? String(value.reason) : null,
        })
        continue
      }
      const phoneNumberId: string | null = value.metadata?.phone_number_id ?? null
      if (!phoneNumberId) {
        items.push({
          type: 'ignored',
          phoneNumberId: null,
          reason: `field ${change?.field} without a number`,
        })
        continue
      }
      if (change.field === 'calls') {
        for (const call of normalizeCalls(value)) items.push({ type: 'call', phoneNumberId, call })
        continue
      }
      if (change.field === 'smb_message_echoes') {
        for (const echo of value.message_echoes ?? []) items.push(echoItem(phoneNumberId, echo))
        continue
      }
      if (change.field !== 'messages') {
        items.push({ type: 'ignored', phoneNumberId, reason: `field ${change.field}` })
        continue
      }
      for (const error of value.errors ?? []) {
        items.push({
          type: 'error',
          phoneNumberId,
          code: typeof error.code === 'number' ? error.code : null,
          details: error.error_data?.details ?? error.message ?? error.title ?? 'unknown error',
        })
      }
      for (const message of value.messages ?? []) {
        const normalized = normalizeMessage(message, value.contacts ?? [])
        items.push({ type: 'message', phoneNumberId, ...normalized })
      }
      for (const status of value.statuses ?? []) {
        const normalized = normalizeStatus(status)
        if (normalized) items.push({ type: 'status', phoneNumberId, status: normalized })
        else items.push({ type: 'ignored', phoneNumberId, reason: `status ${status.status}` })
      }
    }
  }
  return items
}
