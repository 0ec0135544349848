import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/conversation_events'
import contactResolver, { type ContactResolver } from '#services/contact_resolver'
import { announceMerges, type MergeOutcome } from '#services/contact_merger'
import { MESSAGE_KINDS } from '#models/message'
import { openConversation } from '#channels/conversation_activity'
import { insertInboundMessage, lockForMessage } from '#channels/inbound_store'
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
    const direction = input.direction ?? 'in'
    const historical = !!input.historical
    if (historical && historyWindow.excludes(connectionId, input.at)) {
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

    let result: MessageIngestResult
    let assignedUserId: number | null | undefined
    let merges: MergeOutcome[] | undefined
    try {
      result = await withRetries(() =>
        db.transaction(async (trx) => {
          const contact = await this.contacts.resolve(input.contact, trx)
          // The connection is checked here too (an unknown one rolls the contact back with the rest).
          const locked = await lockForMessage(trx, connectionId, contact!.id, pluginKey)
          const conversation = locked.openConversationId
            ? { id: locked.openConversationId, opened: false }
            : await openConversation(trx, {
                connectionId,
                contactId: contact!.id,
                departmentId: locked.departmentId,
                direction,
                historical,
                at: input.at,
              })

          const status = direction === 'out' ? (input.status ?? 'sent') : null
          const stored = await insertInboundMessage(
            trx,
            {
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
              historical,
              // Outbound through the port = written on the phone itself, not in Chasqui.
              metadata: JSON.stringify(
                direction === 'out'
                  ? { ...input.metadata, sentOutsideChasqui: true }
                  : (input.metadata ?? {})
              ),
              created_at: input.at,
            },
            {
              at: input.at,
              kind: input.kind,
              direction,
              body: input.body ?? null,
              historical,
              // Sent from the phone by a person outside the core.
              isReply: direction === 'out',
              humanReply: direction === 'out',
            }
          )
          // Already stored (a redelivery, or a concurrent delivery that won): roll back whatever this
          // one touched (contact, conversation), so a duplicate changes nothing at all.
          if (stored === null) throw new AlreadyStored()

          assignedUserId = stored.assignedUserId
          merges = contact!.merges
          return {
            duplicate: false,
            messageId: stored.id,
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
    await announceMerges(merges)
    if (historical) {
      await publish('conversation:message_imported', {
        connectionId,
        conversationId: result.conversationId,
        contactId: result.contactId,
        messageId: result.messageId,
        at: input.at,
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
        assignedUserId,
        at: input.at,
      })
    }
    return result
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
