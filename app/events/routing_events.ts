/*
| Domain events of routing and agent availability, emitted after commit with ids only.
|
| presence:changed   an agent's availability moved (set by the agent, login, logout or idle).
*/
import type { PresenceStatus } from '#services/routing/agent_presence'

export interface PresenceChangedEvent {
  userId: number
  status: PresenceStatus
  previousStatus: PresenceStatus
  reason: PresenceChangeReason
}

export type PresenceChangeReason = 'agent' | 'login' | 'logout' | 'idle'

declare module '@adonisjs/core/types' {
  interface EventsList {
    'presence:changed': PresenceChangedEvent
  }
}

export const ROUTING_EVENTS = ['presence:changed'] as const

export default ROUTING_EVENTS

/** Emit after commit (app/services/event_publisher.ts). */
export { publish } from '#services/event_publisher'
