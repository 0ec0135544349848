/*
| The inbound half of the channel port (DESIGN §4–5). A channel plugin
| normalizes what its provider delivers into these shapes and hands them to
| the port; the core stores them in one transaction and emits one domain
| event after commit. Every method is idempotent: providers redeliver.
*/
import type { ConnectionStatus } from '#models/connection'
import type { MessageKind } from '#models/message'

/**
 * Who the customer is, in every form the provider gave. At least one of
 * waId, phone, lid, bsuid is required. Formats:
 * - waId: WhatsApp's phone-based id, digits with country code, no '+' (Meta `wa_id`, Baileys PN JID user part);
 * - phone: a phone number in any format; without a country code the organization's default country applies;
 * - lid: Baileys' LID user part, without '@lid' and without device suffix;
 * - bsuid: Meta's business-scoped user id (`user_id`, e.g. 'US.13491208655302741918').
 */
export interface ContactIdentity {
  waId?: string | null
  phone?: string | null
  lid?: string | null
  bsuid?: string | null
  username?: string | null
  /** The name the person set in WhatsApp (Meta `profile.name`, Baileys `pushName`). */
  profileName?: string | null
  profilePhotoUrl?: string | null
}

export interface InboundMedia {
  /** Where the plugin stored the file, relative to the media storage root; null until downloaded. */
  path?: string | null
  mime?: string | null
  size?: number | null
  filename?: string | null
  sha256?: string | null
  /** The provider's media id, so the file can still be fetched later. */
  providerMediaId?: string | null
}

export type InboundKind = Exclude<MessageKind, 'note' | 'system' | 'call'>

export interface NormalizedInboundMessage {
  /** The provider's message id (wamid, Baileys key.id): the idempotency key per connection. */
  externalId: string
  /**
   * 'in' from the customer (default). 'out' for messages the business sent
   * outside the core (from the phone, a history import); never for messages
   * the core itself sent through the driver.
   */
  direction?: 'in' | 'out'
  /** The customer: the sender of an inbound message, the recipient of an outbound one. */
  contact: ContactIdentity
  kind: InboundKind
  /** Text, caption, reaction emoji, or a short readable summary (location name, contact names). */
  body?: string | null
  media?: InboundMedia | null
  /** The message this one quotes or reacts to. */
  replyTo?: { externalId: string } | null
  /** The provider's timestamp of the message. */
  at: Date
  /** Imported history: stored, but no notification event, bots or counters. */
  historical?: boolean
  /** For direction 'out' only: the status the provider reports (default 'sent'). */
  status?: 'sent' | 'delivered' | 'read' | 'failed'
  /**
   * Kind-specific structured data, kept as-is: location { latitude, longitude, name, address },
   * contacts [vcards], interactive { type, id, title }, unsupported { type }, referral, raw payload
   * a driver needs later (e.g. Baileys quoting)…
   */
  metadata?: Record<string, unknown>
}

export type IngestedStatus = 'sent' | 'delivered' | 'read' | 'failed'

export interface NormalizedStatus {
  /** The provider id the driver returned from send() (or of an ingested outbound message). */
  externalId: string
  /** Unknown provider statuses must be mapped by the plugin (e.g. Baileys PLAYED → 'read') or dropped. */
  status: IngestedStatus
  at: Date
  errorCode?: string | null
  errorReason?: string | null
}

export interface NormalizedConnectionState {
  status: ConnectionStatus
  /** Why, in words an admin understands (e.g. 'logged out from the phone', 'QR expired'). */
  reason?: string | null
  /** The pairing QR payload while status is 'waiting_qr'. */
  qr?: string | null
  /** The connection's own number once known (any format). */
  phone?: string | null
}

export interface NormalizedContact {
  contact: ContactIdentity
  /** false: only update a contact that already exists (e.g. a full address-book sync). Default true. */
  create?: boolean
}

export type CallStatus =
  'offer' | 'ringing' | 'accepted' | 'rejected' | 'missed' | 'ended' | 'failed'

export interface NormalizedCall {
  /** The provider's call id; every event of one call updates the same timeline entry. */
  callId: string
  contact: ContactIdentity
  direction: 'in' | 'out'
  status: CallStatus
  at: Date
  isVideo?: boolean
  durationSeconds?: number | null
  metadata?: Record<string, unknown>
}

/**
 * The sender changed a message after it was stored: edited its text, or
 * deleted it for everyone. The agents keep seeing what was said (a contact
 * center may need it), marked as edited or deleted, with the earlier texts.
 */
export interface NormalizedRevision {
  /** The provider's id of the message that changed. */
  externalId: string
  at: Date
  /** Deleted for everyone. */
  revoked?: boolean
  /** The new text of an edit. */
  body?: string | null
}

export interface RevisionIngestResult {
  /** False when the message is unknown here, or the revision changes nothing. */
  applied: boolean
  messageId: number | null
}

export interface MessageIngestResult {
  /** True when the external id was already stored: nothing changed, no event was emitted. */
  duplicate: boolean
  /**
   * True when a historical message fell outside the history window (see
   * app/channels/history_window.ts): nothing was stored and the ids are 0.
   */
  skipped?: boolean
  messageId: number
  conversationId: number
  contactId: number
  /** True when this message opened a new conversation. */
  opened: boolean
}

/** One entry per message of `messages()`, in the order given. */
export type MessageBatchOutcome =
  { ok: true; result: MessageIngestResult } | { ok: false; error: Error }

export interface StatusIngestResult {
  /** False when the status was stale, repeated, or for an unknown message. */
  applied: boolean
  messageId: number | null
}

export interface ContactIngestResult {
  contactId: number | null
  created: boolean
}

export interface CallIngestResult {
  messageId: number
  conversationId: number
  created: boolean
}

/** What a channel plugin receives in its context to report into the core. */
export interface IngestPort {
  message(connectionId: number, message: NormalizedInboundMessage): Promise<MessageIngestResult>
  /**
   * Several messages of one connection at once (a provider's batch, a
   * worker's round), for throughput: stored in one transaction when they
   * can be, one by one otherwise, with the same results and events as
   * `message()`. One message's failure is its own outcome, never the others'.
   */
  messages(
    connectionId: number,
    messages: NormalizedInboundMessage[]
  ): Promise<MessageBatchOutcome[]>
  status(connectionId: number, status: NormalizedStatus): Promise<StatusIngestResult>
  connection(connectionId: number, state: NormalizedConnectionState): Promise<void>
  contact(connectionId: number, contact: NormalizedContact): Promise<ContactIngestResult>
  call(connectionId: number, call: NormalizedCall): Promise<CallIngestResult>
  revision(connectionId: number, revision: NormalizedRevision): Promise<RevisionIngestResult>
}

/*
| Channel plugins reach the pipeline as `ctx.ports.ingest` (docs/PLUGINS.md).
| Wire it with `pluginHost.providePort('ingest', ingest)`, or better one
| scoped port per plugin: `ingest.forPlugin(key)` refuses connections the
| plugin does not own.
*/
declare module '#plugin_host/contract' {
  interface PluginPorts {
    ingest: IngestPort
  }
}
