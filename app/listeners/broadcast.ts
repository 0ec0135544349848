import transmit from '@adonisjs/transmit/services/main'
import logger from '@adonisjs/core/services/logger'
import type { EventsList } from '@adonisjs/core/types'
import { liveChannels, type LiveSignal } from '#services/live_channels'

/**
 * The only code in Chasqui that talks to Transmit. Services emit domain
 * events after their transaction commits; each method here turns one event
 * into a small signal `{ type, id }` on the channels whose listeners should
 * refetch. The browser (resources/js/live.js) turns `type` into a
 * `live:<type>` DOM event and the fragments refetch themselves with their
 * own session, so authorization and per-viewer markup stay on the server.
 *
 * Conventions for a new live update:
 * - declare the event in `EventsList` next to the service that emits it,
 *   named `<thing>:<past tense>` (`message:received`, `conversation:assigned`);
 * - emit it after commit (`trx.after('commit', …)` or after the transaction
 *   block), never inside the transaction;
 * - add a method here and register it in start/events.ts;
 * - signal type `<thing>.<past tense>`; the payload carries ids only, never
 *   text, data or rendered HTML (unless the fragment is the same for every
 *   authorized viewer);
 * - a new channel needs an authorization rule in start/transmit.ts and an
 *   outsider test in tests/functional/transmit_channels.spec.ts.
 */
export default class Broadcast {
  notificationCreated({ id, userId }: EventsList['notification:created']) {
    send(liveChannels.user(userId), { type: 'notification.created', id })
  }

  notificationRead({ userId }: EventsList['notification:read']) {
    send(liveChannels.user(userId), { type: 'notification.read' })
  }

  systemEventRecorded({ id }: EventsList['system_event:recorded']) {
    send(liveChannels.systemEvents, { type: 'system_event.recorded', id })
  }
}

/**
 * A live signal is a courtesy: the data is already committed and pages can be
 * refreshed, so a broadcasting failure is logged and never fails the action.
 */
function send(channel: string, signal: LiveSignal) {
  try {
    transmit.broadcast(channel, { ...signal })
  } catch (error) {
    logger.warn({ err: error, channel, type: signal.type }, 'live signal not sent')
  }
}
