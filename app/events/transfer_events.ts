/*
| Domain events of chat transfers, emitted after commit with ids only.
|
| transfer:requested   an agent asked to hand a conversation on (approvers are notified).
| transfer:decided     a request was approved, denied or cancelled, or a direct transfer was made.
*/
import emitter from '@adonisjs/core/services/emitter'
import type { EventsList } from '@adonisjs/core/types'
import logger from '@adonisjs/core/services/logger'

export interface TransferRequestedEvent {
  transferId: number
  conversationId: number
  requestedBy: number | null
}

export interface TransferDecidedEvent {
  transferId: number
  conversationId: number
  requestedBy: number | null
  state: 'approved' | 'denied' | 'cancelled'
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'transfer:requested': TransferRequestedEvent
    'transfer:decided': TransferDecidedEvent
  }
}

export const TRANSFER_EVENTS = ['transfer:requested', 'transfer:decided'] as const

export type TransferEventName = (typeof TRANSFER_EVENTS)[number]

export default TRANSFER_EVENTS

/** Emit after commit; a failing listener is logged, never the caller's error. */
export async function publish<Name extends TransferEventName>(
  name: Name,
  payload: EventsList[Name]
) {
  try {
    await emitter.emit(name, payload)
  } catch (error) {
    logger.error({ err: error, event: name }, 'a listener of a domain event failed')
  }
}
