import transmit from '@adonisjs/transmit/services/main'
import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
import type { EventsList } from '@adonisjs/core/types'
import { liveChannels, type LiveSignal } from '#services/live_channels'
import { SignalThrottle } from '#services/signal_throttle'

/** At most one refetch signal per area and channel in this window (plus one trailing). */
export const DASHBOARD_SIGNAL_INTERVAL_MS = 2000

export type DashboardArea = 'conversations' | 'connections' | 'agents'

const throttle = new SignalThrottle<LiveSignal>(DASHBOARD_SIGNAL_INTERVAL_MS, (channel, signal) => {
  try {
    transmit.broadcast(channel, { ...signal })
  } catch (error) {
    logger.warn({ err: error, channel, type: signal.type }, 'live signal not sent')
  }
})

/**
 * The dashboard's half of the broadcaster (app/listeners/broadcast.ts has the
 * conventions). It sends `{ type: 'dashboard.changed', id: <area> }`, throttled,
 * on `dashboard` (viewers with `dashboard.view`) and on the assigned agent's
 * own channel (an agent's dashboard shows their own numbers). The page
 * refetches only the fragments of that area (docs/DASHBOARD.md).
 */
export default class BroadcastDashboard {
  async messageChanged(
    event:
      | EventsList['conversation:message_received']
      | EventsList['conversation:message_submitted']
      | EventsList['conversation:message_status']
  ) {
    // Inbound messages carry their chat's agent: no read-back per message on a busy queue.
    if ('assignedUserId' in event && event.assignedUserId !== undefined) {
      changed('conversations', [event.assignedUserId])
      return
    }
    await conversationChanged(event.conversationId)
  }

  /** Only leaving or entering the send queue, or failing, moves a figure (delivered/read do not). */
  async messageStatusChanged(event: EventsList['conversation:message_status']) {
    if (event.status === 'delivered' || event.status === 'read') return
    await this.messageChanged(event)
  }

  async conversationAssigned({ userId, previousUserId }: EventsList['conversation:assigned']) {
    changed('conversations', [userId, previousUserId])
  }

  async conversationResolutionChanged({
    conversationId,
  }: EventsList['conversation:resolution_changed']) {
    await conversationChanged(conversationId)
  }

  connectionStatusChanged(_event: EventsList['connection:status_changed']) {
    changed('connections', [])
  }

  presenceChanged({ userId }: EventsList['presence:changed']) {
    changed('agents', [userId])
  }
}

/** Signals an area to the team's dashboards and to these agents' own. */
export function changed(area: DashboardArea, userIds: (number | null | undefined)[]) {
  const signal = { type: 'dashboard.changed', id: area }
  throttle.push(liveChannels.dashboard, area, signal)
  for (const userId of new Set(userIds)) {
    if (userId) throttle.push(liveChannels.user(userId), area, signal)
  }
}

async function conversationChanged(conversationId: number) {
  const row = await db
    .from('conversations')
    .where('id', conversationId)
    .select('assigned_user_id')
    .first()
  changed('conversations', [row?.assigned_user_id ? Number(row.assigned_user_id) : null])
}
