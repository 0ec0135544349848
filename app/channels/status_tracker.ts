import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/conversation_events'
import type { MessageStatus } from '#models/message'
import type { NormalizedStatus, StatusIngestResult } from '#channels/ingest_port'
import { InvalidInboundError, isValidDate, loadConnection } from '#channels/ingest_support'

/**
 * Status order of outbound messages. A status only moves forward; see
 * `nextStatus` for `failed`.
 */
const RANK: Record<Exclude<MessageStatus, 'failed'>, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
}

/**
 * Whether `incoming` may replace `current`:
 * - queued → sent → delivered → read, never backwards (a late `delivered`
 *   after `read` is ignored; `read` without `delivered` is fine);
 * - `failed` only from queued or sent: a failure reported after the
 *   message was delivered or read is ignored;
 * - after `failed`, a `delivered` or `read` wins (the provider proves the
 *   message arrived), a late `sent` does not (Meta's sent/failed pair may
 *   arrive in either order).
 * Repeats are no-ops.
 */
export function nextStatus(current: MessageStatus | null, incoming: string): MessageStatus | null {
  if (!current) return null
  if (incoming === current) return null
  if (incoming === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : null
  if (!(incoming in RANK)) return null
  const rank = RANK[incoming as keyof typeof RANK]
  if (current === 'failed') return rank >= RANK.delivered ? (incoming as MessageStatus) : null
  return rank > RANK[current] ? (incoming as MessageStatus) : null
}

/**
 * `ingest.status()`: applies a provider's delivery status to the outbound
 * message it names, only when `nextStatus` allows it, in one transaction
 * with the row locked (statuses for one message may arrive concurrently).
 * Emits `conversation:message_status` after commit, once per real change.
 */
export async function recordStatus(
  connectionId: number,
  input: NormalizedStatus,
  pluginKey: string | null
): Promise<StatusIngestResult> {
  if (!input.externalId) throw new InvalidInboundError('A status needs the message externalId')
  if (!isValidDate(input.at)) throw new InvalidInboundError('A status needs a valid `at` date')

  const change = await db.transaction(async (trx) => {
    await loadConnection(trx, connectionId, pluginKey)
    const message = await trx
      .from('messages')
      .where('connection_id', connectionId)
      .where('external_id', input.externalId)
      .forUpdate()
      .select('id', 'conversation_id', 'status')
      .first()
    if (!message) {
      await keepEarlyStatus(trx, connectionId, input)
      return { messageId: null, event: null }
    }

    const previous = message.status as MessageStatus | null
    const next = nextStatus(previous, input.status)
    if (!next) return { messageId: Number(message.id), event: null }

    const at = input.at
    const patch: Record<string, unknown> = { status: next }
    if (next === 'failed') {
      patch.failed_at = at
      patch.failure_code = input.errorCode ?? null
      patch.failure_reason = input.errorReason ?? null
    } else {
      // Each later status implies the earlier ones (read implies delivered and sent).
      patch.sent_at = trx.raw('COALESCE(sent_at, ?)', [at])
      if (next === 'delivered' || next === 'read')
        patch.delivered_at = trx.raw('COALESCE(delivered_at, ?)', [at])
      if (next === 'read') patch.read_at = trx.raw('COALESCE(read_at, ?)', [at])
    }
    await trx.from('messages').where('id', message.id).update(patch)
    return {
      messageId: Number(message.id),
      event: {
        connectionId,
        conversationId: Number(message.conversation_id),
        messageId: Number(message.id),
        status: next,
        previousStatus: previous,
        failureCode: next === 'failed' ? (input.errorCode ?? null) : null,
        failureReason: next === 'failed' ? (input.errorReason ?? null) : null,
      },
    }
  })

  if (change.event) await publish('conversation:message_status', change.event)
  return { applied: !!change.event, messageId: change.messageId }
}

/** How long a status for an unknown provider id waits for its message. */
const EARLY_STATUS_TTL_MS = 24 * 60 * 60 * 1000

/**
 * A status for a provider id no message holds yet: most often the driver's
 * receipt beat the dispatcher's write of the id send() returned. Kept for a
 * day (a status for a message that never was ours just expires).
 */
async function keepEarlyStatus(
  trx: TransactionClientContract,
  connectionId: number,
  input: NormalizedStatus
) {
  await trx
    .knexQuery()
    .table('early_statuses')
    .insert({
      connection_id: connectionId,
      external_id: input.externalId,
      status: input.status,
      at: input.at,
      error_code: input.errorCode ?? null,
      error_reason: input.errorReason ?? null,
      created_at: new Date(),
    })
    .onConflict(['connection_id', 'external_id', 'status'])
    .ignore()
  await trx
    .from('early_statuses')
    .where('created_at', '<', new Date(Date.now() - EARLY_STATUS_TTL_MS))
    .delete()
}

/**
 * Called once a message got its provider id: the statuses that arrived
 * before it are applied now, in their order, through the same rules.
 */
export async function applyEarlyStatuses(connectionId: number, externalId: string) {
  const early = await db
    .from('early_statuses')
    .where('connection_id', connectionId)
    .where('external_id', externalId)
    .orderBy('at')
    .orderBy('id')
  if (!early.length) return 0
  for (const row of early) {
    await recordStatus(
      connectionId,
      {
        externalId,
        status: row.status,
        at: new Date(row.at),
        errorCode: row.error_code,
        errorReason: row.error_reason,
      },
      null
    )
  }
  await db
    .from('early_statuses')
    .whereIn(
      'id',
      early.map((row) => row.id)
    )
    .delete()
  return early.length
}
