/*
| Domain events of the agent inbox, emitted after commit with ids only.
|
| conversation:assigned             the chat changed hands (userId null = back to the queue).
| conversation:resolution_changed   the chat was resolved or reopened.
| conversation:read                 someone opened the chat: its unread count went to zero.
*/

export interface ConversationAssignedEvent {
  conversationId: number
  userId: number | null
  previousUserId: number | null
  /** Who made the change (null: the system, e.g. a routing rule). */
  actorId?: number | null
}

export interface ConversationResolutionChangedEvent {
  conversationId: number
  resolved: boolean
}

export interface ConversationReadEvent {
  conversationId: number
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'conversation:assigned': ConversationAssignedEvent
    'conversation:resolution_changed': ConversationResolutionChangedEvent
    'conversation:read': ConversationReadEvent
  }
}

export const INBOX_EVENTS = [
  'conversation:assigned',
  'conversation:resolution_changed',
  'conversation:read',
] as const

export type InboxEventName = (typeof INBOX_EVENTS)[number]

export default INBOX_EVENTS

/** Emit after commit (app/services/event_publisher.ts). */
export { publish } from '#services/event_publisher'
