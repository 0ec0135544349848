import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/conversation_events'
import systemEventLog from '#services/system_event_log'
import contactResolver, { type ContactResolver } from '#services/contact_resolver'
import { toE164 } from '#services/phone_numbers'
import { MESSAGE_KINDS, type MessageStatus } from '#models/message'
import { CONNECTION_STATUSES, type ConnectionStatus } from '#models/connection'
import { findOrOpenConversation, recordMessageActivity } from '#channels/conversation_activity'
import type {
  CallIngestResult,
  ContactIngestResult,
  IngestPort,
  MessageIngestResult,
  NormalizedCall,
  NormalizedConnectionState,
  NormalizedContact,
  NormalizedInboundMessage,
  NormalizedStatus,
  StatusIngestResult,
} from '#channels/ingest_port'

export class UnknownConnectionError extends Error {
  constructor(connectionId: number, pluginKey: string | null) {
    super(
      pluginKey
        ? `Connection ${connectionId} does not exist or does not belong to plugin "${pluginKey}"`
        : `Connection ${connectionId} does not exist`
    )
  }
}

export class InvalidInboundError extends Error {}

interface ConnectionRow {
  id: number
  plugin_key: string
  status: ConnectionStatus
  status_reason: string | null
  qr_code: string | null
  phone_e164: string | null
  default_department_id: number | null
}

/** Thrown inside a transaction to undo everything when a concurrent delivery stored the message first. */
class AlreadyStored extends Error {}

/** PostgreSQL errors a fresh attempt resolves: unique races, serialization failures, deadlocks. */
const RETRYABLE_SQLSTATES = new Set(['23505', '40001', '40P01'])

async function withRetries<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt >= attempts || !code || !RETRYABLE_SQLSTATES.has(code)) throw error
    }
  }
}

/**
 * Status order of outbound messages. A status only moves forward; see
 * `nextStatus` for `failed`.
 */
const RANK: Record<Exclude<MessageStatus, 'failed'>, number> = { queued: 0, sent: 1, delivered: 2, read: 3 }

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

const DISCONNECTED: readonly ConnectionStatus[] = ['disconnected', 'logged_out']

/**
 * The one inbound pipeline (DESIGN §5): every channel plugin reports here,
 * normalized. Each call is one transaction; its domain event is emitted
 * after commit; a provider's redelivery changes nothing.
 */
export class IngestService implements IngestPort {
  constructor(private contacts: ContactResolver = contactResolver) {}

  /** The port a plugin receives: it can only report for connections it owns. */
  forPlugin(pluginKey: string): IngestPort {
    return {
      message: (connectionId, message) => this.#message(connectionId, message, pluginKey),
      status: (connectionId, status) => this.#status(connectionId, status, pluginKey),
      connection: (connectionId, state) => this.#connection(connectionId, state, pluginKey),
      contact: (connectionId, contact) => this.#contact(connectionId, contact, pluginKey),
      call: (connectionId, call) => this.#call(connectionId, call, pluginKey),
    }
  }

  message(connectionId: number, message: NormalizedInboundMessage) {
    return this.#message(connectionId, message, null)
  }

  status(connectionId: number, status: NormalizedStatus) {
    return this.#status(connectionId, status, null)
  }

  connection(connectionId: number, state: NormalizedConnectionState) {
    return this.#connection(connectionId, state, null)
  }

  contact(connectionId: number, contact: NormalizedContact) {
    return this.#contact(connectionId, contact, null)
  }

  call(connectionId: number, call: NormalizedCall) {
    return this.#call(connectionId, call, null)
  }

  async #message(
    connectionId: number,
    input: NormalizedInboundMessage,
    pluginKey: string | null
  ): Promise<MessageIngestResult> {
    validateMessage(input)
    const direction = input.direction ?? 'in'
    const historical = !!input.historical

    let result: MessageIngestResult
    try {
      result = await withRetries(() =>
        db.transaction(async (trx) => {
          const connection = await loadConnection(trx, connectionId, pluginKey)
          // Cheap early exit for the common redelivery: touch nothing, not even the contact.
          const stored = await findStored(trx, connectionId, input.externalId)
          if (stored) return stored

          const contact = await this.contacts.resolve(input.contact, trx)
          const conversation = await findOrOpenConversation(trx, {
            connectionId,
            contactId: contact!.id,
            departmentId: connection.default_department_id,
            direction,
            historical,
            at: input.at,
          })

          const status = direction === 'out' ? (input.status ?? 'sent') : null
          const inserted = await trx
            .knexQuery()
            .table('messages')
            .insert({
              conversation_id: conversation.id,
              connection_id: connectionId,
              direction,
              kind: input.kind,
              body: input.body ?? null,
              media_path: input.media?.path ?? null,
              media_mime: input.media?.mime ?? null,
              media_size: input.media?.size ?? null,
              media_filename: input.media?.filename ?? null,
              media_sha256: input.media?.sha256 ?? null,
              media_provider_id: input.media?.providerMediaId ?? null,
              status,
              sent_at: status ? input.at : null,
              delivered_at: status === 'delivered' || status === 'read' ? input.at : null,
              read_at: status === 'read' ? input.at : null,
              failed_at: status === 'failed' ? input.at : null,
              external_id: input.externalId,
              reply_to_external_id: input.replyTo?.externalId ?? null,
              reply_to_message_id: await quotedMessageId(trx, connectionId, input.replyTo?.externalId),
              historical,
              metadata: JSON.stringify(input.metadata ?? {}),
              created_at: input.at,
            })
            .onConflict(['connection_id', 'external_id'])
            .ignore()
            .returning('id')
          // A concurrent delivery of the same id won: roll back whatever this one changed.
          if (!inserted.length) throw new AlreadyStored()

          await recordMessageActivity(trx, conversation.id, {
            at: input.at,
            kind: input.kind,
            direction,
            body: input.body ?? null,
            historical,
            // Sent from the phone by a person outside the core.
            isReply: direction === 'out',
            humanReply: direction === 'out',
          })
          return {
            duplicate: false,
            messageId: Number(inserted[0].id),
            conversationId: conversation.id,
            contactId: contact!.id,
            opened: conversation.opened,
          }
        })
      )
    } catch (error) {
      if (!(error instanceof AlreadyStored)) throw error
      result = (await findStored(db, connectionId, input.externalId))!
    }

    if (result.duplicate) return result
    if (historical) {
      await publish('conversation:message_imported', {
        connectionId,
        conversationId: result.conversationId,
        contactId: result.contactId,
        messageId: result.messageId,
      })
    } else {
      await publish('conversation:message_received', {
        connectionId,
        conversationId: result.conversationId,
        contactId: result.contactId,
        messageId: result.messageId,
        kind: input.kind,
        direction,
        opened: result.opened,
      })
    }
    return result
  }

  async #status(connectionId: number, input: NormalizedStatus, pluginKey: string | null): Promise<StatusIngestResult> {
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
      if (!message) return { messageId: null, event: null }

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
        if (next === 'delivered' || next === 'read') patch.delivered_at = trx.raw('COALESCE(delivered_at, ?)', [at])
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

  async #connection(connectionId: number, input: NormalizedConnectionState, pluginKey: string | null) {
    if (!CONNECTION_STATUSES.includes(input.status)) {
      throw new InvalidInboundError(`Unknown connection status "${input.status}"`)
    }
    const change = await db.transaction(async (trx) => {
      const current = await loadConnection(trx, connectionId, pluginKey, true)
      const reason = input.reason ?? null
      // The QR only lives while waiting for a scan; any other state clears it.
      const qr = input.status === 'waiting_qr' ? (input.qr ?? current.qr_code) : null
      const phone = input.phone ? toE164(input.phone) : null
      const statusChanged = current.status !== input.status
      const changed =
        statusChanged || current.status_reason !== reason || current.qr_code !== qr || (!!phone && phone !== current.phone_e164)
      if (!changed) return null

      const now = new Date()
      const patch: Record<string, unknown> = { status: input.status, status_reason: reason, qr_code: qr, updated_at: now }
      if (phone) patch.phone_e164 = phone
      if (statusChanged) patch.status_changed_at = now
      if (statusChanged && input.status === 'connected') patch.last_connected_at = now
      const lost = DISCONNECTED.includes(input.status) && !DISCONNECTED.includes(current.status)
      if (lost) patch.last_disconnected_at = now
      await trx.from('connections').where('id', connectionId).update(patch)
      return { previous: current.status, lost, wasConnected: current.status === 'connected', qrChanged: qr !== current.qr_code }
    })
    if (!change) return

    await publish('connection:status_changed', {
      connectionId,
      status: input.status,
      previousStatus: change.previous,
      reason: input.reason ?? null,
      hasQr: change.qrChanged && input.status === 'waiting_qr',
    })
    // R-CH-7: losing a working number is a critical event, logged and notified to admins.
    if (change.lost && change.wasConnected) {
      await systemEventLog.record({
        level: 'critical',
        category: input.status === 'logged_out' ? 'connection.logged_out' : 'connection.lost',
        message: `Connection ${connectionId} is ${input.status}${input.reason ? `: ${input.reason}` : ''}`,
        source: pluginKey ?? 'core',
        context: { connectionId, status: input.status, reason: input.reason ?? null },
      })
    }
  }

  async #contact(connectionId: number, input: NormalizedContact, pluginKey: string | null): Promise<ContactIngestResult> {
    const resolved = await withRetries(() =>
      db.transaction(async (trx) => {
        await loadConnection(trx, connectionId, pluginKey)
        return this.contacts.resolve(input.contact, trx, { create: input.create ?? true })
      })
    )
    if (!resolved) return { contactId: null, created: false }
    if (resolved.changed) await publish('contact:upserted', { contactId: resolved.id, created: resolved.created })
    return { contactId: resolved.id, created: resolved.created }
  }

  /**
   * A call is one timeline entry (kind `call`) whose metadata follows the
   * call's progress: the first event stores it and notifies like a message,
   * later events (ringing, accepted, ended…) update it.
   */
  async #call(connectionId: number, input: NormalizedCall, pluginKey: string | null): Promise<CallIngestResult> {
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
          .select('messages.id', 'messages.conversation_id', 'messages.metadata', 'conversations.contact_id')
          .first()
        if (existing) {
          const before = existing.metadata as Record<string, unknown>
          const after = { ...before, ...callData, callEvents: [...asArray(before.callEvents), eventOf(input)] }
          if (before.callStatus === input.status) return { created: false, changed: false, row: existing, opened: false }
          await trx.from('messages').where('id', existing.id).update({ metadata: JSON.stringify(after) })
          return { created: false, changed: true, row: existing, opened: false }
        }

        const contact = await this.contacts.resolve(input.contact, trx)
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
        }
      })
    )

    const messageId = Number(outcome.row.id)
    const conversationId = Number(outcome.row.conversation_id)
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
}

async function loadConnection(
  trx: TransactionClientContract,
  connectionId: number,
  pluginKey: string | null,
  lock = false
): Promise<ConnectionRow> {
  const query = trx.from('connections').where('id', connectionId)
  if (pluginKey) query.where('plugin_key', pluginKey)
  if (lock) query.forUpdate()
  const row = await query
    .select('id', 'plugin_key', 'status', 'status_reason', 'qr_code', 'phone_e164', 'default_department_id')
    .first()
  if (!row) throw new UnknownConnectionError(connectionId, pluginKey)
  return row as ConnectionRow
}

async function findStored(
  client: TransactionClientContract | typeof db,
  connectionId: number,
  externalId: string
): Promise<MessageIngestResult | null> {
  const row = await client
    .from('messages')
    .join('conversations', 'conversations.id', 'messages.conversation_id')
    .where('messages.connection_id', connectionId)
    .where('messages.external_id', externalId)
    .select('messages.id', 'messages.conversation_id', 'conversations.contact_id')
    .first()
  if (!row) return null
  return {
    duplicate: true,
    messageId: Number(row.id),
    conversationId: Number(row.conversation_id),
    contactId: Number(row.contact_id),
    opened: false,
  }
}

/** The stored message a reply or reaction points at, when we have it. */
async function quotedMessageId(trx: TransactionClientContract, connectionId: number, externalId?: string | null) {
  if (!externalId) return null
  const row = await trx
    .from('messages')
    .where('connection_id', connectionId)
    .where('external_id', externalId)
    .select('id')
    .first()
  return row ? Number(row.id) : null
}

const INBOUND_KINDS = MESSAGE_KINDS.filter((kind) => kind !== 'note' && kind !== 'system' && kind !== 'call')

function validateMessage(input: NormalizedInboundMessage) {
  if (!input.externalId) throw new InvalidInboundError('An inbound message needs its externalId')
  if (!INBOUND_KINDS.includes(input.kind)) throw new InvalidInboundError(`Unknown inbound kind "${input.kind}"`)
  if (!isValidDate(input.at)) throw new InvalidInboundError('An inbound message needs a valid `at` date')
  if (input.direction && input.direction !== 'in' && input.direction !== 'out') {
    throw new InvalidInboundError(`Unknown direction "${input.direction}"`)
  }
  if (!input.contact) throw new InvalidInboundError('An inbound message needs the contact identity')
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function eventOf(call: NormalizedCall) {
  return { status: call.status, at: call.at.toISOString() }
}

export default new IngestService()
