import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/conversation_events'
import contactResolver, {
  type ContactResolver,
  type KnownContacts,
} from '#services/contact_resolver'
import { announceMerges, type MergeOutcome } from '#services/contact_merger'
import { MESSAGE_KINDS } from '#models/message'
import { openConversation, type ActivityInput } from '#channels/conversation_activity'
import {
  insertInboundMessage,
  insertIntoKnownChat,
  lockForMessage,
  type InboundMessageRow,
} from '#channels/inbound_store'
import { recordStatus } from '#channels/status_tracker'
import { recordConnectionState } from '#channels/connection_state'
import { recordCall } from '#channels/call_log'
import { recordRevision } from '#channels/message_revisions'
import historyWindow from '#channels/history_window'
import {
  InvalidInboundError,
  isValidDate,
  loadConnection,
  withRetries,
} from '#channels/ingest_support'
import type {
  ContactIngestResult,
  IngestPort,
  MessageBatchOutcome,
  MessageIngestResult,
  NormalizedCall,
  NormalizedConnectionState,
  NormalizedContact,
  NormalizedInboundMessage,
  NormalizedRevision,
  NormalizedStatus,
} from '#channels/ingest_port'

export { InvalidInboundError, UnknownConnectionError } from '#channels/ingest_support'
export { nextStatus } from '#channels/status_tracker'

/** Thrown inside a transaction to undo everything when the message turns out to be stored already. */
class AlreadyStored extends Error {}

interface StoredMessage {
  result: MessageIngestResult
  assignedUserId: number | null
  merges: MergeOutcome[] | undefined
  /** The contact was created or learned something: contacts read before it are stale. */
  contactChanged: boolean
  /** False when the connection had no automatic message configured (undefined: not read). */
  automaticMessages?: boolean
}

interface InsertedMessage {
  id: number
  assignedUserId: number | null
  automaticMessages?: boolean
}

function messageRow(
  connectionId: number,
  conversationId: number,
  input: NormalizedInboundMessage
): InboundMessageRow {
  const direction = input.direction ?? 'in'
  const status = direction === 'out' ? (input.status ?? 'sent') : null
  return {
    conversation_id: conversationId,
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
    historical: !!input.historical,
    // Outbound through the port = written on the phone itself, not in Chasqui.
    metadata: JSON.stringify(
      direction === 'out' ? { ...input.metadata, sentOutsideChasqui: true } : (input.metadata ?? {})
    ),
    created_at: input.at,
  }
}

function activityOf(input: NormalizedInboundMessage): ActivityInput {
  const direction = input.direction ?? 'in'
  return {
    at: input.at,
    kind: input.kind,
    direction,
    body: input.body ?? null,
    historical: !!input.historical,
    // Sent from the phone by a person outside the core.
    isReply: direction === 'out',
    humanReply: direction === 'out',
  }
}

/**
 * The one inbound pipeline (DESIGN §5): every channel plugin reports here,
 * normalized. Each call is one transaction; its domain event is emitted
 * after commit; a provider's redelivery changes nothing. Messages and
 * contacts are handled here; statuses, connection states and calls by
 * their own recorders (status_tracker, connection_state, call_log).
 */
export class IngestService implements IngestPort {
  constructor(private contacts: ContactResolver = contactResolver) {}

  /** The port a plugin receives: it can only report for connections it owns. */
  forPlugin(pluginKey: string): IngestPort {
    return {
      message: (connectionId, message) => this.#message(connectionId, message, pluginKey),
      messages: (connectionId, messages) => this.#messages(connectionId, messages, pluginKey),
      status: (connectionId, status) => recordStatus(connectionId, status, pluginKey),
      connection: (connectionId, state) => recordConnectionState(connectionId, state, pluginKey),
      contact: (connectionId, contact) => this.#contact(connectionId, contact, pluginKey),
      call: (connectionId, call) => recordCall(this.contacts, connectionId, call, pluginKey),
      revision: (connectionId, revision) => recordRevision(connectionId, revision, pluginKey),
    }
  }

  message(connectionId: number, message: NormalizedInboundMessage) {
    return this.#message(connectionId, message, null)
  }

  messages(connectionId: number, messages: NormalizedInboundMessage[]) {
    return this.#messages(connectionId, messages, null)
  }

  status(connectionId: number, status: NormalizedStatus) {
    return recordStatus(connectionId, status, null)
  }

  connection(connectionId: number, state: NormalizedConnectionState) {
    return recordConnectionState(connectionId, state, null)
  }

  contact(connectionId: number, contact: NormalizedContact) {
    return this.#contact(connectionId, contact, null)
  }

  call(connectionId: number, call: NormalizedCall) {
    return recordCall(this.contacts, connectionId, call, null)
  }

  revision(connectionId: number, revision: NormalizedRevision) {
    return recordRevision(connectionId, revision, null)
  }

  async #message(
    connectionId: number,
    input: NormalizedInboundMessage,
    pluginKey: string | null
  ): Promise<MessageIngestResult> {
    validateMessage(input)
    if (input.historical && historyWindow.excludes(connectionId, input.at)) {
      await db.transaction((trx) => loadConnection(trx, connectionId, pluginKey))
      return {
        duplicate: false,
        skipped: true,
        messageId: 0,
        conversationId: 0,
        contactId: 0,
        opened: false,
      }
    }

    let stored: StoredMessage
    try {
      stored = await withRetries(() =>
        db.transaction(async (trx) => {
          // Without a batch's contacts a redelivery always throws AlreadyStored; null is for batches.
          const one = await this.#store(trx, connectionId, input, pluginKey)
          if (!one) throw new AlreadyStored()
          return one
        })
      )
    } catch (error) {
      if (!(error instanceof AlreadyStored)) throw error
      return (await findStored(db, connectionId, input.externalId))!
    }
    await this.#announce(connectionId, input, stored)
    return stored.result
  }

  /**
   * A batch in one transaction: one BEGIN and one COMMIT (one WAL flush)
   * for all of them instead of one each, which is most of what a message
   * costs beyond its own rows (docs/BENCHMARKS.md, meta_webhook). Anything
   * unusual — a redelivery racing a concurrent one, an error, history —
   * rolls the batch back and each message takes the one-by-one path, so
   * the outcomes are exactly those of `message()`.
   */
  async #messages(
    connectionId: number,
    inputs: NormalizedInboundMessage[],
    pluginKey: string | null
  ): Promise<MessageBatchOutcome[]> {
    const outcomes: (MessageBatchOutcome | undefined)[] = Array.from({ length: inputs.length })
    const batchable: number[] = []
    inputs.forEach((input, index) => {
      try {
        validateMessage(input)
        if (!input.historical) batchable.push(index)
      } catch (error) {
        outcomes[index] = { ok: false, error: error as Error }
      }
    })

    if (batchable.length > 1) {
      // Same contact together, in arrival order: every batch takes its locks in one order.
      const order = [...batchable].sort(
        (a, b) => contactKey(inputs[a]).localeCompare(contactKey(inputs[b])) || a - b
      )
      let stored: Map<number, StoredMessage> | null = null
      try {
        stored = await withRetries(() =>
          db.transaction(async (trx) => {
            let known: KnownContacts | undefined = await this.contacts.known(
              order.map((index) => inputs[index].contact),
              connectionId,
              trx
            )
            const results = new Map<number, StoredMessage>()
            for (const index of order) {
              const one = await this.#store(trx, connectionId, inputs[index], pluginKey, known)
              // A redelivery that touched nothing: the one-by-one path reports it below.
              if (!one) continue
              if (one.contactChanged) known = undefined
              results.set(index, one)
            }
            return results
          })
        )
      } catch {
        // Rolled back: the one-by-one path below gives every message its own outcome.
      }
      // Redeliveries have no entry: the one-by-one path reports them as duplicates.
      for (const [index, result] of stored ?? []) {
        outcomes[index] = { ok: true, result: result.result }
      }
      for (const index of batchable) {
        const result = stored?.get(index)
        if (result) await this.#announce(connectionId, inputs[index], result)
      }
    }

    for (const [index, input] of inputs.entries()) {
      if (outcomes[index]) continue
      try {
        outcomes[index] = {
          ok: true,
          result: await this.#message(connectionId, input, pluginKey),
        }
      } catch (error) {
        outcomes[index] = { ok: false, error: error as Error }
      }
    }
    return outcomes as MessageBatchOutcome[]
  }

  /**
   * The message's rows inside the caller's transaction; throws AlreadyStored
   * for a redelivery. With `known` (a batch's contacts, read beforehand) a
   * customer with an open chat costs one round trip instead of three, and a
   * redelivery that found everything in place (it changed nothing) returns
   * null instead: the batch goes on.
   */
  async #store(
    trx: TransactionClientContract,
    connectionId: number,
    input: NormalizedInboundMessage,
    pluginKey: string | null,
    known?: KnownContacts
  ): Promise<StoredMessage | null> {
    const direction = input.direction ?? 'in'
    const historical = !!input.historical
    const contact = (await this.contacts.resolve(input.contact, trx, { known }))!
    const contactChanged = contact.created || contact.changed
    const stored = (conversationId: number, opened: boolean, inserted: InsertedMessage) => ({
      result: {
        duplicate: false,
        messageId: inserted.id,
        conversationId,
        contactId: contact.id,
        opened,
      },
      assignedUserId: inserted.assignedUserId,
      merges: contact.merges,
      contactChanged,
      automaticMessages: inserted.automaticMessages,
    })

    const expected = known && !contactChanged ? known.openConversationOf(contact.id) : null
    if (expected) {
      const attempt = await insertIntoKnownChat(
        trx,
        contact.id,
        pluginKey,
        messageRow(connectionId, expected, input),
        activityOf(input)
      )
      if (attempt.outcome === 'duplicate') return null
      if (attempt.outcome === 'inserted') return stored(expected, false, attempt)
      // 'moved': the chat was resolved meanwhile; the long way opens a new one.
    }

    // The connection is checked here too (an unknown one rolls the contact back with the rest).
    const locked = await lockForMessage(trx, connectionId, contact.id, pluginKey)
    const conversation = locked.openConversationId
      ? { id: locked.openConversationId, opened: false }
      : await openConversation(trx, {
          connectionId,
          contactId: contact.id,
          departmentId: locked.departmentId,
          direction,
          historical,
          at: input.at,
        })
    const inserted = await insertInboundMessage(
      trx,
      messageRow(connectionId, conversation.id, input),
      activityOf(input)
    )
    // Already stored (a redelivery, or a concurrent delivery that won): roll back whatever this
    // one touched (contact, conversation), so a duplicate changes nothing at all.
    if (inserted === null) throw new AlreadyStored()
    return stored(conversation.id, conversation.opened, inserted)
  }

  /** After commit: merges, then the message's domain event. */
  async #announce(connectionId: number, input: NormalizedInboundMessage, stored: StoredMessage) {
    const { result } = stored
    await announceMerges(stored.merges)
    if (input.historical) {
      await publish('conversation:message_imported', {
        connectionId,
        conversationId: result.conversationId,
        contactId: result.contactId,
        messageId: result.messageId,
        at: input.at,
      })
      return
    }
    await publish('conversation:message_received', {
      connectionId,
      conversationId: result.conversationId,
      contactId: result.contactId,
      messageId: result.messageId,
      kind: input.kind,
      direction: input.direction ?? 'in',
      opened: result.opened,
      assignedUserId: stored.assignedUserId,
      automaticMessages: stored.automaticMessages,
      at: input.at,
    })
  }

  async #contact(
    connectionId: number,
    input: NormalizedContact,
    pluginKey: string | null
  ): Promise<ContactIngestResult> {
    const resolved = await withRetries(() =>
      db.transaction(async (trx) => {
        await loadConnection(trx, connectionId, pluginKey)
        return this.contacts.resolve(input.contact, trx, { create: input.create ?? true })
      })
    )
    await announceMerges(resolved?.merges)
    if (resolved?.changed)
      await publish('contact:upserted', { contactId: resolved.id, created: resolved.created })
    await publish('contact:reported', {
      connectionId,
      contactId: resolved?.id ?? null,
      created: resolved?.created ?? false,
      changed: resolved?.changed ?? false,
      identity: input.contact,
    })
    if (!resolved) return { contactId: null, created: false }
    return { contactId: resolved.id, created: resolved.created }
  }
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

/** Orders a batch so one person's messages are together (the identity as reported). */
function contactKey(input: NormalizedInboundMessage) {
  const { waId, bsuid, lid, phone } = input.contact
  return waId ?? bsuid ?? lid ?? phone ?? ''
}

const INBOUND_KINDS = MESSAGE_KINDS.filter(
  (kind) => kind !== 'note' && kind !== 'system' && kind !== 'call'
)

function validateMessage(input: NormalizedInboundMessage) {
  if (!input.externalId) throw new InvalidInboundError('An inbound message needs its externalId')
  if (!INBOUND_KINDS.includes(input.kind))
    throw new InvalidInboundError(`Unknown inbound kind "${input.kind}"`)
  if (!isValidDate(input.at))
    throw new InvalidInboundError('An inbound message needs a valid `at` date')
  if (input.direction && input.direction !== 'in' && input.direction !== 'out') {
    throw new InvalidInboundError(`Unknown direction "${input.direction}"`)
  }
  if (!input.contact) throw new InvalidInboundError('An inbound message needs the contact identity')
}

export default new IngestService()
