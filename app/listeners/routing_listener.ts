import type { EventsList } from '@adonisjs/core/types'
import engine from '#services/routing/assignment_engine'
import automaticMessages from '#services/routing/automatic_messages'

/**
 * Routing reacts to what already happened: a customer message (automatic
 * messages, then assignment of a new conversation), and every moment
 * capacity frees (a resolve, a chat handed away, an agent coming online),
 * when the queue is served oldest first.
 */
export default class RoutingListener {
  async messageReceived(event: EventsList['conversation:message_received']) {
    if (event.direction !== 'in') return
    if (event.automaticMessages !== false) {
      await automaticMessages.afterInbound(event.conversationId, { opened: event.opened })
    }
    if (event.opened) await engine.route(event.conversationId)
  }

  async resolutionChanged(event: EventsList['conversation:resolution_changed']) {
    if (!event.resolved) return
    await automaticMessages.afterResolved(event.conversationId)
    await engine.serveQueue()
  }

  async assigned(event: EventsList['conversation:assigned']) {
    if (event.previousUserId) await engine.serveQueue()
  }

  async presenceChanged(event: EventsList['presence:changed']) {
    if (event.status === 'online') await engine.serveQueue()
  }
}
