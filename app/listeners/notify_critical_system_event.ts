import type { EventsList } from '@adonisjs/core/types'
import notifier from '#services/notifier'

/** Longest excerpt of the event's message kept in a notification. */
const EXCERPT = 200

/**
 * A critical event (a number disconnected, sends failing after retries, a
 * plugin crashed…) reaches every user who may read the log, in the bell.
 * Must never record a system event itself: that could loop.
 */
export default class NotifyCriticalSystemEvent {
  async handle({ id, level, category, source, message }: EventsList['system_event:recorded']) {
    if (level !== 'critical') return
    const excerpt = message.length > EXCERPT ? `${message.slice(0, EXCERPT - 1)}…` : message
    await notifier.notifyWithPermission(
      'system_events.view',
      'system_event_critical',
      { eventId: id, category, source, message: excerpt },
      '/system-events?level=critical'
    )
  }
}
