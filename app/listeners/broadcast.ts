import transmit from '@adonisjs/transmit/services/main'
import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
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

  /*
  | Inbox. The open conversation listens on `conversations/:id` (its timeline
  | refetches on `message.created`, one message on `message.status`, the whole
  | pane on `conversation.updated`); chat lists and the pending counter refetch
  | on `conversation.changed`, sent to the assigned agent and to supervisors.
  */
  async messageAdded(
    event:
      EventsList['conversation:message_received'] | EventsList['conversation:message_submitted']
  ) {
    send(liveChannels.conversation(event.conversationId), {
      type: 'message.created',
      id: event.messageId,
    })
    await conversationChanged(
      event.conversationId,
      'assignedUserId' in event ? event.assignedUserId : undefined
    )
  }

  /** Two records of one person merged: the chats that were emptied leave the lists. */
  async contactMerged({ joinedConversationIds }: EventsList['contact:merged']) {
    for (const id of joinedConversationIds) await conversationChanged(id)
  }

  messageStatusChanged({ conversationId, messageId }: EventsList['conversation:message_status']) {
    send(liveChannels.conversation(conversationId), { type: 'message.status', id: messageId })
  }

  /** A message changed otherwise (a call ringing → missed): that message refetches itself. */
  async messageUpdated({ conversationId, messageId }: EventsList['conversation:message_updated']) {
    send(liveChannels.conversation(conversationId), { type: 'message.updated', id: messageId })
    // An edit of the newest message, a call that ended: the chat's row in the lists may read differently.
    await conversationChanged(conversationId)
  }

  conversationAssigned({
    conversationId,
    userId,
    previousUserId,
  }: EventsList['conversation:assigned']) {
    send(liveChannels.conversation(conversationId), {
      type: 'conversation.updated',
      id: conversationId,
    })
    // The previous agent's list loses the row, the new one's gains it.
    for (const id of new Set([userId, previousUserId])) {
      if (id) send(liveChannels.user(id), { type: 'conversation.changed', id: conversationId })
    }
    send(liveChannels.supervisors, { type: 'conversation.changed', id: conversationId })
  }

  async conversationResolutionChanged({
    conversationId,
  }: EventsList['conversation:resolution_changed']) {
    send(liveChannels.conversation(conversationId), {
      type: 'conversation.updated',
      id: conversationId,
    })
    await conversationChanged(conversationId)
  }

  async conversationRead({ conversationId }: EventsList['conversation:read']) {
    await conversationChanged(conversationId)
  }

  /**
   * Tags on the chat refetch its tag bar (not the whole pane: a composer being
   * typed in stays as it is) and the chat rows; tags on a message refetch that
   * message's tag strip only.
   */
  async conversationTagged({ conversationId, messageId }: EventsList['conversation:tagged']) {
    if (messageId) {
      send(liveChannels.conversation(conversationId), { type: 'message.tagged', id: messageId })
      return
    }
    send(liveChannels.conversation(conversationId), {
      type: 'conversation.tagged',
      id: conversationId,
    })
    await conversationChanged(conversationId)
  }

  /*
  | Transfers. Approvers' pending lists and the transfer box of the open
  | conversation refetch on `transfer.changed`; so does the requester's view.
  | The bell follows its own `notification.created`.
  */
  transferChanged({
    transferId,
    conversationId,
    requestedBy,
  }: EventsList['transfer:requested'] | EventsList['transfer:decided']) {
    const signal = { type: 'transfer.changed', id: transferId }
    send(liveChannels.supervisors, signal)
    send(liveChannels.conversation(conversationId), signal)
    if (requestedBy) send(liveChannels.user(requestedBy), signal)
  }
}

/** A chat's row changed: its agent's list and the supervisors' lists refetch. */
async function conversationChanged(conversationId: number, knownAgent?: number | null) {
  // Inbound messages carry their chat's agent: no read-back per message on a busy queue.
  const agent =
    knownAgent !== undefined
      ? knownAgent
      : ((
          await db
            .from('conversations')
            .where('id', conversationId)
            .select('assigned_user_id')
            .first()
        )?.assigned_user_id ?? null)
  if (agent) {
    send(liveChannels.user(Number(agent)), {
      type: 'conversation.changed',
      id: conversationId,
    })
  }
  send(liveChannels.supervisors, { type: 'conversation.changed', id: conversationId })
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
