import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/conversation_events'
import { previewOf } from '#channels/conversation_activity'
import type { NormalizedRevision, RevisionIngestResult } from '#channels/ingest_port'
import {
  InvalidInboundError,
  isValidDate,
  loadConnection,
  withRetries,
} from '#channels/ingest_support'

/** Earlier texts kept per message: enough for a dispute, bounded against a loop of edits. */
const KEPT_EDITS = 20

/**
 * Edits and deletions for everyone, reported by the channel after the
 * message was stored. Nothing is erased: an edit keeps the earlier text in
 * `metadata.edits`, a deletion only marks the message (`metadata.revokedAt`);
 * the timeline says which. Repeated or stale reports change nothing.
 */
export async function recordRevision(
  connectionId: number,
  input: NormalizedRevision,
  pluginKey: string | null
): Promise<RevisionIngestResult> {
  if (!input.externalId) throw new InvalidInboundError('A revision needs the message externalId')
  if (!isValidDate(input.at)) throw new InvalidInboundError('A revision needs a valid `at` date')
  if (!input.revoked && typeof input.body !== 'string')
    throw new InvalidInboundError('A revision is a deletion or a new body')

  const outcome = await withRetries(() =>
    db.transaction(async (trx) => {
      await loadConnection(trx, connectionId, pluginKey)
      const row = await trx
        .from('messages')
        .where('connection_id', connectionId)
        .where('external_id', input.externalId)
        .forUpdate()
        .select('id', 'conversation_id', 'body', 'metadata', 'created_at')
        .first()
      if (!row) return null
      const metadata: Record<string, any> = row.metadata ?? {}
      if (metadata.revokedAt) return { row, changed: false }
      const at = input.at.toISOString()
      if (input.revoked) {
        metadata.revokedAt = at
      } else {
        const body = input.body!.trim()
        if (body === (row.body ?? '')) return { row, changed: false }
        metadata.edits = [...(metadata.edits ?? []), { body: row.body, replacedAt: at }].slice(
          -KEPT_EDITS
        )
        metadata.editedAt = at
        row.body = body
      }
      await trx
        .from('messages')
        .where('id', row.id)
        .update({ body: row.body, metadata: JSON.stringify(metadata) })
      // The chat list shows the newest message: an edit of that one shows there too, and a
      // deletion of it leaves "message deleted" (the kind `deleted`, labelled by the view), not its text.
      await trx
        .from('conversations')
        .where('id', row.conversation_id)
        .where('last_message_at', row.created_at)
        .update(
          input.revoked
            ? { last_message_preview: null, last_message_kind: 'deleted', updated_at: new Date() }
            : { last_message_preview: previewOf(row.body), updated_at: new Date() }
        )
      return { row, changed: true }
    })
  )
  if (!outcome) return { applied: false, messageId: null }
  const messageId = Number(outcome.row.id)
  if (!outcome.changed) return { applied: false, messageId }
  await publish('conversation:message_updated', {
    connectionId,
    conversationId: Number(outcome.row.conversation_id),
    messageId,
  })
  return { applied: true, messageId }
}
