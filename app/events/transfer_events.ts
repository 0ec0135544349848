/*
| Domain events of chat transfers, emitted after commit with ids only.
|
| transfer:requested   an agent asked to hand a conversation on (approvers are notified).
| transfer:decided     a request was approved, denied or cancelled, or a direct transfer was made.
*/

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

/** Emit after commit (app/services/event_publisher.ts). */
export { publish } from '#services/event_publisher'
