/*
| Domain events of routing and agent availability, emitted after commit with ids only.
|
| presence:changed   an agent's availability moved (set by the agent, login, logout or idle).
*/
import emitter from '@adonisjs/core/services/emitter'
import type { EventsList } from '@adonisjs/core/types'
import logger from '@adonisjs/core/services/logger'
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

/** Emit after commit; a failing listener is logged, never the caller's error. */
export async function publish<Name extends (typeof ROUTING_EVENTS)[number]>(
  name: Name,
  payload: EventsList[Name]
) {
  try {
    await emitter.emit(name, payload)
  } catch (error) {
    logger.error({ err: error, event: name }, 'a listener of a domain event failed')
  }
}
