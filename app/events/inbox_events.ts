/*
| Domain events of the agent inbox, emitted after commit with ids only.
|
| conversation:assigned             the chat changed hands (userId null = back to the queue).
| conversation:resolution_changed   the chat was resolved or reopened.
| conversation:read                 someone opened the chat: its unread count went to zero.
*/
import emitter from '@adonisjs/core/services/emitter'
import type { EventsList } from '@adonisjs/core/types'
import logger from '@adonisjs/core/services/logger'

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

/** Emit after commit; a failing listener is logged, never the caller's error. */
export async function publish<Name extends InboxEventName>(name: Name, payload: EventsList[Name]) {
  try {
    await emitter.emit(name, payload)
  } catch (error) {
    logger.error({ err: error, event: name }, 'a listener of a domain event failed')
  }
}
