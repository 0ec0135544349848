import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/conversation_events'
import type { ContactResolver } from '#services/contact_resolver'
import { announceMerges } from '#services/contact_merger'
import { findOrOpenConversation, recordMessageActivity } from '#channels/conversation_activity'
import type { CallIngestResult, NormalizedCall } from '#channels/ingest_port'
import {
  InvalidInboundError,
  isValidDate,
  loadConnection,
  withRetries,
} from '#channels/ingest_support'

/**
 * A call is one timeline entry (kind `call`) whose metadata follows the
 * call's progress: the first event stores it and notifies like a message,
 * later events (ringing, accepted, ended…) update it.
 */
export async function recordCall(
  contacts: ContactResolver,
  connectionId: number,
  input: NormalizedCall,
  pluginKey: string | null
): Promise<CallIngestResult> {
  if (!input.callId) throw new InvalidInboundError('A call needs its callId')
  if (!isValidDate(input.at)) throw new InvalidInboundError('A call needs a valid `at` date')
  const externalId = `call:${input.callId}`
  const callData = {
    callId: input.callId,
    callStatus: input.status,
    isVideo: !!input.isVideo,
    ...(input.durationSeconds !== undefined && input.durationSeconds !== null
      ? { durationSeconds: input.durationSeconds }
      : {}),
    ...input.metadata,
  }

  const outcome = await withRetries(() =>
    db.transaction(async (trx) => {
      const connection = await loadConnection(trx, connectionId, pluginKey)
      const existing = await trx
        .from('messages')
        .join('conversations', 'conversations.id', 'messages.conversation_id')
        .where('messages.connection_id', connectionId)
        .where('messages.external_id', externalId)
        .forUpdate('messages')
        .select(
          'messages.id',
          'messages.conversation_id',
          'messages.metadata',
          'conversations.contact_id'
        )
        .first()
      if (existing) {
        const before = existing.metadata as Record<string, unknown>
        const after = {
          ...before,
          ...callData,
          callEvents: [...asArray(before.callEvents), eventOf(input)],
        }
        if (before.callStatus === input.status)
          return { created: false, changed: false, row: existing, opened: false }
        await trx
          .from('messages')
          .where('id', existing.id)
          .update({ metadata: JSON.stringify(after) })
        return { created: false, changed: true, row: existing, opened: false }
      }

      const contact = await contacts.resolve(input.contact, trx)
      const conversation = await findOrOpenConversation(trx, {
        connectionId,
        contactId: contact!.id,
        departmentId: connection.default_department_id,
        direction: input.direction,
        historical: false,
        at: input.at,
      })
      const [row] = await trx
        .knexQuery()
        .table('messages')
        .insert({
          conversation_id: conversation.id,
          connection_id: connectionId,
          direction: input.direction,
          kind: 'call',
          external_id: externalId,
          metadata: JSON.stringify({ ...callData, callEvents: [eventOf(input)] }),
          created_at: input.at,
        })
        .returning('id')
      await recordMessageActivity(trx, conversation.id, {
        at: input.at,
        kind: 'call',
        direction: input.direction,
        body: null,
        historical: false,
      })
      return {
        created: true,
        changed: true,
        opened: conversation.opened,
        row: { id: row.id, conversation_id: conversation.id, contact_id: contact!.id },
        merges: contact!.merges,
      }
    })
  )

  const messageId = Number(outcome.row.id)
  const conversationId = Number(outcome.row.conversation_id)
  if ('merges' in outcome) await announceMerges(outcome.merges)
  if (outcome.created) {
    await publish('conversation:message_received', {
      connectionId,
      conversationId,
      contactId: Number(outcome.row.contact_id),
      messageId,
      kind: 'call',
      direction: input.direction,
      opened: outcome.opened,
    })
  } else if (outcome.changed) {
    await publish('conversation:message_updated', { connectionId, conversationId, messageId })
  }
  return { messageId, conversationId, created: outcome.created }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function eventOf(call: NormalizedCall) {
  return { status: call.status, at: call.at.toISOString() }
}
