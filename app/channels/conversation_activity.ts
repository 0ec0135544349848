import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { MessageDirection, MessageKind } from '#models/message'

export interface OpenConversationInput {
  connectionId: number
  contactId: number
  /** The connection's default department, for a new conversation. */
  departmentId: number | null
  direction: MessageDirection
  historical: boolean
  at: Date
}

export interface ConversationRef {
  id: number
  opened: boolean
}

/**
 * The conversation a new message of (connection, contact) belongs to.
 *
 * - An open (not resolved) conversation is reused: there is at most one.
 * - Otherwise a NEW conversation opens (state `new` for a customer message,
 *   `in_progress` for a message the business sent from outside the core).
 *   A resolved conversation is never reopened by the customer: each
 *   conversation is one unit of work with its own first-response and
 *   resolution times (R-RP-1), and the contact's earlier conversations stay
 *   in their history.
 * - Historical messages never open work: they go to the open conversation,
 *   else to the latest one, else to a new conversation created already
 *   resolved, so a history sync does not flood the "new" tray.
 *
 * A transaction-scoped advisory lock per (connection, contact) makes
 * concurrent deliveries for one person agree on one conversation.
 */
export async function findOrOpenConversation(
  trx: TransactionClientContract,
  input: OpenConversationInput
): Promise<ConversationRef> {
  await lockContactConversations(trx, input.connectionId, input.contactId)

  const open = await trx
    .from('conversations')
    .where('connection_id', input.connectionId)
    .where('contact_id', input.contactId)
    .whereNot('state', 'resolved')
    .forUpdate()
    .select('id')
    .first()
  if (open) return { id: Number(open.id), opened: false }
  return openConversation(trx, input)
}

/**
 * The rest of findOrOpenConversation, for a caller that already holds the
 * (connection, contact) lock and found no open conversation.
 */
export async function openConversation(
  trx: TransactionClientContract,
  input: OpenConversationInput
): Promise<ConversationRef> {
  if (input.historical) {
    const latest = await trx
      .from('conversations')
      .where('connection_id', input.connectionId)
      .where('contact_id', input.contactId)
      .orderBy([
        { column: 'last_message_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .forUpdate()
      .select('id')
      .first()
    if (latest) return { id: Number(latest.id), opened: false }
  }

  const now = new Date()
  const [row] = await trx
    .knexQuery()
    .table('conversations')
    .insert({
      connection_id: input.connectionId,
      contact_id: input.contactId,
      department_id: input.departmentId,
      state: input.historical ? 'resolved' : input.direction === 'in' ? 'new' : 'in_progress',
      last_message_at: input.at,
      opened_at: input.historical ? input.at : now,
      resolved_at: input.historical ? input.at : null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return { id: Number(row.id), opened: !input.historical }
}

/**
 * Serializes every change to which conversation of (connection, contact) is
 * open. Taken before any conversation row lock, everywhere, so the order of
 * locks is always the same. Released at commit.
 */
export async function lockContactConversations(
  trx: TransactionClientContract,
  connectionId: number,
  contactId: number
) {
  await trx.rawQuery(
    "SELECT pg_advisory_xact_lock(hashtextextended('chasqui:conversation:' || ? || ':' || ?, 0))",
    [connectionId, contactId]
  )
}

export interface ActivityInput {
  at: Date
  kind: MessageKind
  direction: MessageDirection
  body: string | null
  historical: boolean
  /** The message answers the customer (an agent's, a bot's or one sent from the phone): pending drops to 0. */
  isReply?: boolean
  /** A person answered (not a bot): the first one sets first_response_at. */
  humanReply?: boolean
}

/** Kinds that do not ask for an answer: a reaction or a system line is not "pending". */
const NOT_PENDING: readonly MessageKind[] = ['reaction', 'system', 'call']

/**
 * Moves the conversation's list columns and counters for one new message.
 * Messages can arrive out of order (provider timestamps, history), so the
 * preview only changes for a message at least as recent as the current one.
 * Historical messages never touch the counters.
 */
export async function recordMessageActivity(
  trx: TransactionClientContract,
  conversationId: number,
  input: ActivityInput
) {
  const activity = activityUpdate(input)
  await trx.rawQuery(`UPDATE conversations SET ${activity.set} WHERE id = :id`, {
    ...activity.bindings,
    id: conversationId,
  })
}

/**
 * The SET clause (named bindings) that moves a conversation's list columns
 * and counters for one message, for recordMessageActivity and for callers
 * that fold it into a bigger statement (the inbound store).
 */
export function activityUpdate(input: ActivityInput) {
  const live = !input.historical
  const inbound = input.direction === 'in'
  return {
    set: `last_message_preview = CASE WHEN CAST(:at AS timestamptz) >= last_message_at THEN NULLIF(:preview, '') ELSE last_message_preview END,
       last_message_kind = CASE WHEN CAST(:at AS timestamptz) >= last_message_at THEN :kind ELSE last_message_kind END,
       last_message_direction = CASE WHEN CAST(:at AS timestamptz) >= last_message_at THEN :direction ELSE last_message_direction END,
       last_message_at = GREATEST(last_message_at, CAST(:at AS timestamptz)),
       last_inbound_at = CASE WHEN :inbound THEN GREATEST(last_inbound_at, CAST(:at AS timestamptz)) ELSE last_inbound_at END,
       unread_count = unread_count + :unread,
       pending_count = CASE WHEN :reply THEN 0 ELSE pending_count + :pending END,
       first_response_at = CASE WHEN :human THEN COALESCE(first_response_at, CAST(:at AS timestamptz)) ELSE first_response_at END,
       updated_at = now()`,
    bindings: {
      at: input.at,
      preview: previewOf(input.body) ?? '',
      kind: input.kind,
      direction: input.direction,
      inbound,
      unread: live && inbound ? 1 : 0,
      pending: live && inbound && !NOT_PENDING.includes(input.kind) ? 1 : 0,
      reply: live && !inbound && !!input.isReply,
      human: live && !inbound && !!input.isReply && !!input.humanReply,
    },
  }
}

/**
 * The chat list's one-line preview: the text or caption, whitespace
 * collapsed. Kind labels ("📷 Photo") are rendered by the view from
 * `last_message_kind` in the reader's language, so none are stored here.
 */
export function previewOf(body: string | null | undefined, max = 200) {
  const text = (body ?? '').replace(/\s+/g, ' ').trim()
  if (!text) return null
  const chars = Array.from(text)
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text
}
