/*
| Domain events of conversations, messages, contacts and connections.
|
| Emitted only AFTER the transaction that caused them committed, once per
| change. Payloads carry ids, not records: a listener (the broadcaster in
| app/listeners/broadcast.ts, bots, auto-assignment, webhooks) reloads what
| it needs with its own authorization.
|
| conversation:message_received   a live message from the customer (or a call's first event),
|                                 or a live outbound sent outside the core (from the phone).
|                                 `opened` = it opened a new conversation (auto-assignment, welcome message).
|                                 Bots and notifications listen here. Never for duplicates or history.
| conversation:message_imported   a historical message stored by a history sync. Quiet: no
|                                 notifications, bots or sounds; a view may refresh.
| conversation:message_submitted  an agent/bot message queued for sending, or a private note added.
| conversation:message_status     a message's delivery status moved (sent/delivered/read/failed,
|                                 or back to queued by a retry). Only real changes, never backwards.
| conversation:message_updated    a message changed otherwise (a call's progress).
| contact:upserted                a contact was created or changed through the contact port.
| contact:reported                a channel reported a contact of its account (address book, LID
|                                 mapping), whether or not the core stored it: contact sync listens.
|                                 Carries the identity, since an unknown contact has no row.
| connection:status_changed       a connection's state, reason or QR changed.
*/
import type { ConnectionStatus } from '#models/connection'
import type { MessageKind, MessageStatus } from '#models/message'
import type { ContactIdentity } from '#channels/ingest_port'

export interface MessageReceivedEvent {
  connectionId: number
  conversationId: number
  contactId: number
  messageId: number
  kind: MessageKind
  direction: 'in' | 'out'
  opened: boolean
  /**
   * The chat's agent when the message was stored (null: unassigned). Lets the
   * broadcasters address the agent without reading the row back for every
   * message; absent when the emitter did not know it (listeners look it up).
   */
  assignedUserId?: number | null
  /**
   * False when the connection had no automatic message configured as the
   * message was stored (routing then skips its lookup); absent when the
   * emitter did not read it.
   */
  automaticMessages?: boolean
  /** The message's time as stored (`created_at`); absent when the emitter did not say. */
  at?: Date
}

export interface MessageImportedEvent {
  connectionId: number
  conversationId: number
  contactId: number
  messageId: number
  /** The message's time as stored (`created_at`). */
  at?: Date
}

export interface MessageSubmittedEvent {
  connectionId: number
  conversationId: number
  messageId: number
  authorUserId: number | null
  kind: MessageKind
  /** A private note: nothing will be sent. */
  note: boolean
}

export interface MessageStatusEvent {
  connectionId: number
  conversationId: number
  messageId: number
  status: MessageStatus
  previousStatus: MessageStatus | null
  failureCode: string | null
  failureReason: string | null
}

export interface MessageUpdatedEvent {
  connectionId: number
  conversationId: number
  messageId: number
}

export interface ContactUpsertedEvent {
  contactId: number
  created: boolean
}

/** Two records of one person became one (app/services/contact_merger.ts). */
export interface ContactMergedEvent {
  keptId: number
  mergedId: number
  /** Open chats of the merged record emptied into the kept record's open chat (now resolved). */
  joinedConversationIds: number[]
}

export interface ContactReportedEvent {
  connectionId: number
  /** The matching Chasqui contact, or null when none exists (the channel only updates). */
  contactId: number | null
  created: boolean
  changed: boolean
  identity: ContactIdentity
}

export interface ConnectionStatusChangedEvent {
  connectionId: number
  status: ConnectionStatus
  previousStatus: ConnectionStatus
  reason: string | null
  /** A new pairing QR is available (read it from the connection, never from the event). */
  hasQr: boolean
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'conversation:message_received': MessageReceivedEvent
    'conversation:message_imported': MessageImportedEvent
    'conversation:message_submitted': MessageSubmittedEvent
    'conversation:message_status': MessageStatusEvent
    'conversation:message_updated': MessageUpdatedEvent
    'contact:upserted': ContactUpsertedEvent
    'contact:merged': ContactMergedEvent
    'contact:reported': ContactReportedEvent
    'connection:status_changed': ConnectionStatusChangedEvent
  }
}

/**
 * Every event this module declares. Also the default export, so the
 * generated events index (.adonisjs/server/events.ts) has something to list
 * and the broadcaster can subscribe to all of them in one loop.
 */
export const CONVERSATION_EVENTS = [
  'conversation:message_received',
  'conversation:message_imported',
  'conversation:message_submitted',
  'conversation:message_status',
  'conversation:message_updated',
  'contact:upserted',
  'contact:merged',
  'contact:reported',
  'connection:status_changed',
] as const

export type ConversationEventName = (typeof CONVERSATION_EVENTS)[number]

export default CONVERSATION_EVENTS

/** Emit after commit (app/services/event_publisher.ts). */
export { publish } from '#services/event_publisher'
