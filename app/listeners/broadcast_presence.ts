import transmit from '@adonisjs/transmit/services/main'
import logger from '@adonisjs/core/services/logger'
import type { EventsList } from '@adonisjs/core/types'
import { liveChannels } from '#services/live_channels'

/**
 * The availability half of the broadcaster (conventions in
 * app/listeners/broadcast.ts): the agent's own tabs refetch the header
 * control (set in another tab, or gone offline by idle/logout), and
 * supervisors' views refetch agents' availability.
 */
export default class BroadcastPresence {
  presenceChanged({ userId }: EventsList['presence:changed']) {
    for (const channel of [liveChannels.user(userId), liveChannels.supervisors]) {
      try {
        transmit.broadcast(channel, { type: 'presence.changed', id: userId })
      } catch (error) {
        logger.warn({ err: error, channel }, 'live signal not sent')
      }
    }
  }
}
