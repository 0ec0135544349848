/*
| The outbound half of the channel port (DESIGN §4). A channel plugin gives
| the core one driver per connection; the core talks to WhatsApp only
| through it. Nothing here names a provider.
*/
import type { ConnectionStatus } from '#models/connection'
import type { MessageKind } from '#models/message'

export type { ConnectionStatus } from '#models/connection'
export type { MessageKind, MessageStatus } from '#models/message'

/** Kinds an agent, a bot or a campaign can send (never note/system/call/unsupported). */
export type OutboundKind = Exclude<MessageKind, 'note' | 'system' | 'call' | 'unsupported'>

/** What a channel can do; the composer and the dispatcher adapt to it. */
export interface ChannelCapabilities {
  /** Kinds the driver can send, e.g. ['text', 'image', 'document', 'audio', 'voice']. */
  mediaKinds: OutboundKind[]
  /** Sends approved templates (Meta). */
  templates: boolean
  /** Hours after the customer's last message during which free-form replies are allowed; null = no window. */
  replyWindowHours: number | null
  /** Reports calls through the ingest port. */
  calls: boolean
  /** Pairs by QR code shown to the admin (reported through `ingest.connection({ status: 'waiting_qr', qr })`). */
  qrPairing: boolean
}

/** Whom to send to: every identity the core knows; the driver picks the one its provider needs. */
export interface OutboundRecipient {
  contactId: number
  phoneE164: string | null
  waId: string | null
  lid: string | null
  /** Meta's business-scoped user id. */
  bsuid: string | null
}

export interface OutboundMedia {
  /** Relative to the media storage root. */
  path: string | null
  mime: string | null
  size: number | null
  filename: string | null
  sha256: string | null
  /** A provider media id already uploaded, when known. */
  providerMediaId: string | null
}

export interface OutboundMessage {
  /** The core's message id; stable across retries (use it as an idempotency key where the provider has one). */
  messageId: number
  connectionId: number
  conversationId: number
  to: OutboundRecipient
  kind: OutboundKind
  /** Text, or the caption of a media message. */
  body: string | null
  media: OutboundMedia | null
  /** The quoted message, when the agent replied to one; externalId is null if it never reached WhatsApp. */
  replyTo: {
    messageId: number
    externalId: string | null
    metadata: Record<string, unknown>
  } | null
  /** Kind-specific data (location coordinates, template name and parameters, reaction target…). */
  metadata: Record<string, unknown>
  /** 1 on the first try. */
  attempt: number
}

export interface SendResult {
  /** The provider's id of the sent message (wamid, Baileys key id…): statuses arrive keyed by it. */
  externalId: string
}

/** A ringing call the business declines (the calls plugin's auto-reject). */
export interface CallToReject {
  connectionId: number
  /** The provider's call id, as reported through `ingest.call()`. */
  callId: string
  /** The caller. */
  from: OutboundRecipient
  /** What the driver stored with the call (e.g. the caller's JID it needs to answer). */
  metadata: Record<string, unknown>
}

/** An approved message template the channel can send when the reply window is closed. */
export interface ChannelTemplate {
  /** The driver's own id of the template (stable between listings). */
  id: string
  name: string
  language: string
  category: string
  /** The body with its placeholders, e.g. 'Hola {{1}}, su pedido {{2}} está listo.' */
  body: string
  /**
   * What the agent fills, in reading order: the body's placeholders ('1',
   * '2'… or named ones, 'first_name'), and those of the template's other
   * parts as `<part>:<name>`: `header:<placeholder>` (a text header's),
   * `header:image|video|document` (a link to the header's file, https),
   * `button:<index>` (a URL button's dynamic part).
   */
  parameters: string[]
}

/**
 * What the core puts in `OutboundMessage.metadata.template` for a template
 * send; `body` then holds the filled text, for the timeline.
 */
export interface OutboundTemplate {
  name: string
  language: string
  parameters: { name: string | null; value: string }[]
}

/**
 * One connection's link to WhatsApp. Drivers must not report their own
 * sends back through `ingest.message()` (e.g. Baileys' own-message echoes):
 * the dispatcher stores the external id returned by `send()`.
 */
export interface ChannelDriver {
  readonly capabilities: ChannelCapabilities
  /** Start (or resume) the session; progress is reported through `ingest.connection()`. */
  connect(): Promise<void>
  /** Stop the session without forgetting the pairing. */
  disconnect(): Promise<void>
  status(): ConnectionStatus | Promise<ConnectionStatus>
  /** Resolve only once the provider accepted the message; throw ChannelSendError otherwise. */
  send(message: OutboundMessage): Promise<SendResult>
  /** Decline a ringing call; only drivers whose capabilities say `calls: true` implement it. */
  rejectCall?(call: CallToReject): Promise<void>
  /** Approved templates of this connection (drivers with `capabilities.templates`). */
  templates?(): Promise<ChannelTemplate[]>
}

export interface ChannelSendErrorOptions {
  /** True when trying again later may succeed (network, rate limit, not connected right now). */
  retryable: boolean
  /** The provider's error code, e.g. '131047', '463', or a driver code such as 'not_connected'. */
  code?: string | null
  /** A human-readable reason, shown to the agent next to the failed message. */
  reason?: string | null
  /** Wait at least this long before the next attempt (e.g. a Retry-After). */
  retryAfterMs?: number | null
}

/** What `ChannelDriver.send()` throws. Any other error is treated as retryable. */
export class ChannelSendError extends Error {
  readonly retryable: boolean
  readonly code: string | null
  readonly reason: string | null
  readonly retryAfterMs: number | null

  constructor(message: string, options: ChannelSendErrorOptions) {
    super(message)
    this.name = 'ChannelSendError'
    this.retryable = options.retryable
    this.code = options.code ?? null
    this.reason = options.reason ?? null
    this.retryAfterMs = options.retryAfterMs ?? null
  }
}
