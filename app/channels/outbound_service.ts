import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/conversation_events'
import auditTrail from '#services/audit_trail'
import Message, { MEDIA_KINDS, type MessageKind } from '#models/message'
import { lockContactConversations, recordMessageActivity } from '#channels/conversation_activity'
import type { OutboundKind } from '#channels/channel_driver'

export interface SubmitInput {
  conversationId: number
  /** The agent; null for bots, campaigns and other automatic senders. */
  authorUserId: number | null
  /**
   * The browser's idempotency key (e.g. a UUID made when the composer
   * opened): a retried or double-clicked POST with the same key returns the
   * first message instead of creating another. Unique per author.
   */
  clientId?: string | null
  /** 'note' is a private note: stored, shown to agents, never sent. */
  kind: OutboundKind | 'note'
  body?: string | null
  media?: {
    path: string
    mime: string
    size?: number | null
    filename?: string | null
    sha256?: string | null
  } | null
  replyToMessageId?: number | null
  /** Kind-specific data for the driver (location, template, reaction target…). */
  metadata?: Record<string, unknown>
  /**
   * A system-authored automatic message (welcome, out-of-hours, farewell…):
   * it never reopens a resolved chat and does not count as an answer, so the
   * customer's message stays pending for a person.
   */
  automatic?: boolean
}

export interface SubmitResult {
  message: Message
  /** False when the clientId was already used: `message` is the earlier one. */
  created: boolean
}

export type OutboundErrorCode =
  | 'conversation_not_found'
  | 'open_elsewhere'
  | 'invalid_kind'
  | 'empty_message'
  | 'missing_media'
  | 'reply_not_found'
  | 'not_retryable'

/** A refusal the caller turns into a message for the user (codes are stable for translations). */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {}
  ) {
    super(message)
    this.name = 'OutboundError'
  }
}

const SENDABLE: readonly MessageKind[] = [
  'text',
  'image',
  'audio',
  'voice',
  'document',
  'video',
  'sticker',
  'location',
  'contacts',
  'reaction',
  'interactive',
  'note',
]

class AlreadySubmitted extends Error {}

/**
 * Everything an agent (or a bot) writes into a conversation enters here.
 * The message is stored as `queued` together with its outbox row in one
 * transaction, so from the moment the POST returns it can be neither lost
 * (the outbox is durable) nor doubled (the clientId is unique per author).
 * Sending is the OutboxDispatcher's job. Policy (who may write where, which
 * kinds a channel accepts, videos and links refused) is the caller's: this
 * service takes plain, authorized input.
 */
export class OutboundService {
  async submit(input: SubmitInput): Promise<SubmitResult> {
    const body = input.body?.trim() ? input.body : null
    const clientId = input.clientId?.trim() ? input.clientId.trim().slice(0, 64) : null
    this.#validate(input, body)

    if (input.authorUserId && clientId) {
      const earlier = await this.#findSubmitted(input.authorUserId, clientId)
      if (earlier) return { message: earlier, created: false }
    }

    const note = input.kind === 'note'
    let stored: { id: number; connectionId: number }
    try {
      stored = await db.transaction(async (trx) => {
        const owner = await trx
          .from('conversations')
          .where('id', input.conversationId)
          .select('connection_id', 'contact_id')
          .first()
        if (!owner) {
          throw new OutboundError(
            'conversation_not_found',
            `Conversation ${input.conversationId} does not exist`
          )
        }
        // Same lock order as the ingest pipeline: the (connection, contact) lock, then the row.
        await lockContactConversations(trx, owner.connection_id, owner.contact_id)
        const conversation = await trx
          .from('conversations')
          .where('id', input.conversationId)
          .forUpdate()
          .select('id', 'connection_id', 'contact_id', 'state')
          .firstOrFail()
        const replyTo = await this.#replyTarget(trx, conversation.id, input.replyToMessageId)
        const now = new Date()

        if (!note && !input.automatic && conversation.state === 'resolved') {
          await this.#reopen(trx, conversation)
        }

        const inserted = await trx
          .knexQuery()
          .table('messages')
          .insert({
            conversation_id: conversation.id,
            connection_id: conversation.connection_id,
            direction: 'out',
            kind: input.kind,
            body,
            media_path: input.media?.path ?? null,
            media_mime: input.media?.mime ?? null,
            media_size: input.media?.size ?? null,
            media_filename: input.media?.filename ?? null,
            media_sha256: input.media?.sha256 ?? null,
            status: note ? null : 'queued',
            author_user_id: input.authorUserId,
            client_id: clientId,
            reply_to_message_id: replyTo?.id ?? null,
            reply_to_external_id: replyTo?.external_id ?? null,
            metadata: JSON.stringify(input.metadata ?? {}),
            created_at: now,
          })
          .onConflict(['author_user_id', 'client_id'])
          .ignore()
          .returning('id')
        if (!inserted.length) throw new AlreadySubmitted()
        const messageId = Number(inserted[0].id)

        // Notes never leave the app: no outbox row, and the chat list keeps showing the last real message.
        if (!note) {
          await trx.knexQuery().table('outbox').insert({
            message_id: messageId,
            connection_id: conversation.connection_id,
            conversation_id: conversation.id,
            state: 'pending',
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          })
          await recordMessageActivity(trx, conversation.id, {
            at: now,
            kind: input.kind,
            direction: 'out',
            body,
            historical: false,
            isReply: !input.automatic,
            humanReply: !!input.authorUserId,
          })
          // An agent answering takes the chat into "in progress".
          if (input.authorUserId) {
            await trx
              .from('conversations')
              .where('id', conversation.id)
              .whereIn('state', ['new', 'pending'])
              .update({ state: 'in_progress', updated_at: now })
          }
        }
        return { id: messageId, connectionId: Number(conversation.connection_id) }
      })
    } catch (error) {
      // Two identical POSTs raced past the first lookup: the other one stored it.
      if (!(error instanceof AlreadySubmitted)) throw error
      return {
        message: (await this.#findSubmitted(input.authorUserId!, clientId!))!,
        created: false,
      }
    }

    await publish('conversation:message_submitted', {
      connectionId: stored.connectionId,
      conversationId: input.conversationId,
      messageId: stored.id,
      authorUserId: input.authorUserId,
      kind: input.kind,
      note,
    })
    return { message: await Message.findOrFail(stored.id), created: true }
  }

  /**
   * R-MSG-6: an agent sends a failed message again. It goes back to
   * `queued` with a fresh outbox row state and attempt count; the failed
   * attempt's provider id is kept in metadata so its late statuses cannot
   * touch the new attempt.
   */
  async retry(messageId: number, actor: { id: number } | null): Promise<Message> {
    const outcome = await db.transaction(async (trx) => {
      const message = await trx
        .from('messages')
        .where('id', messageId)
        .forUpdate()
        .select(
          'id',
          'conversation_id',
          'connection_id',
          'status',
          'kind',
          'direction',
          'external_id',
          'failure_code',
          'failure_reason',
          'metadata'
        )
        .first()
      if (
        !message ||
        message.direction !== 'out' ||
        message.status !== 'failed' ||
        message.kind === 'note'
      ) {
        throw new OutboundError(
          'not_retryable',
          `Message ${messageId} is not a failed outbound message`
        )
      }
      const metadata = message.metadata as Record<string, unknown>
      if (message.external_id) {
        const previous = Array.isArray(metadata.previousExternalIds)
          ? metadata.previousExternalIds
          : []
        metadata.previousExternalIds = [...previous, message.external_id]
      }
      await trx
        .from('messages')
        .where('id', messageId)
        .update({
          status: 'queued',
          external_id: null,
          failed_at: null,
          failure_code: null,
          failure_reason: null,
          metadata: JSON.stringify(metadata),
        })
      const now = new Date()
      const requeued = await trx.from('outbox').where('message_id', messageId).update({
        state: 'pending',
        attempts: 0,
        next_attempt_at: now,
        locked_by: null,
        locked_until: null,
        last_error: null,
        updated_at: now,
      })
      if (!Number(requeued)) {
        await trx.knexQuery().table('outbox').insert({
          message_id: messageId,
          connection_id: message.connection_id,
          conversation_id: message.conversation_id,
          state: 'pending',
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })
      }
      await auditTrail.record(
        {
          actorId: actor?.id ?? null,
          action: 'message.retry',
          subjectType: 'message',
          subjectId: messageId,
          before: {
            status: 'failed',
            failureCode: message.failure_code,
            failureReason: message.failure_reason,
          },
          after: { status: 'queued' },
        },
        trx
      )
      return message
    })

    await publish('conversation:message_status', {
      connectionId: Number(outcome.connection_id),
      conversationId: Number(outcome.conversation_id),
      messageId,
      status: 'queued',
      previousStatus: 'failed',
      failureCode: null,
      failureReason: null,
    })
    return Message.findOrFail(messageId)
  }

  #validate(input: SubmitInput, body: string | null) {
    if (!SENDABLE.includes(input.kind)) {
      throw new OutboundError(
        'invalid_kind',
        `Messages of kind "${input.kind}" cannot be submitted`
      )
    }
    if (MEDIA_KINDS.includes(input.kind)) {
      if (!input.media?.path || !input.media.mime) {
        throw new OutboundError('missing_media', `A ${input.kind} message needs its file`)
      }
    } else if (
      !body &&
      input.kind !== 'location' &&
      input.kind !== 'contacts' &&
      input.kind !== 'interactive'
    ) {
      throw new OutboundError('empty_message', 'The message is empty')
    }
  }

  #findSubmitted(authorUserId: number, clientId: string) {
    return Message.query()
      .where('author_user_id', authorUserId)
      .where('client_id', clientId)
      .first()
  }

  async #replyTarget(
    trx: TransactionClientContract,
    conversationId: number,
    replyToMessageId?: number | null
  ) {
    if (!replyToMessageId) return null
    const target = await trx
      .from('messages')
      .where('id', replyToMessageId)
      .where('conversation_id', conversationId)
      .select('id', 'external_id')
      .first()
    if (!target)
      throw new OutboundError(
        'reply_not_found',
        `Message ${replyToMessageId} is not in this conversation`
      )
    return target as { id: number; external_id: string | null }
  }

  /**
   * Writing into a resolved chat reopens it, unless the customer has
   * meanwhile opened a newer conversation on the same number: the agent
   * must answer there (the caller can offer `details.conversationId`).
   */
  async #reopen(
    trx: TransactionClientContract,
    conversation: { id: number; connection_id: number; contact_id: number }
  ) {
    const open = await trx
      .from('conversations')
      .where('connection_id', conversation.connection_id)
      .where('contact_id', conversation.contact_id)
      .whereNot('state', 'resolved')
      .select('id')
      .first()
    if (open) {
      throw new OutboundError('open_elsewhere', 'The contact has a newer open conversation', {
        conversationId: Number(open.id),
      })
    }
    await trx
      .from('conversations')
      .where('id', conversation.id)
      .update({ state: 'in_progress', resolved_at: null, updated_at: new Date() })
  }
}

export default new OutboundService()
