import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#services/event_publisher'

/** Identifiers a WhatsApp identity is made of (unique per contact). */
const IDENTIFIERS = ['wa_id', 'lid', 'bsuid', 'phone_e164'] as const
/** Profile fields the surviving contact takes from the other when it has none. */
const PROFILE = [
  'display_name',
  'profile_name',
  'username',
  'profile_photo_url',
  'profile_photo_path',
  'client_id',
] as const

export interface MergeOutcome {
  keptId: number
  mergedId: number
  /** Open chats of the merged contact whose messages moved into the kept contact's open chat. */
  joinedConversationIds: number[]
}

/**
 * Two contact records that turn out to be one person (a LID-only record and
 * a phone record, joined when WhatsApp reveals the mapping; CONTRACTS.md B.7
 * and A.4) become one, inside the caller's transaction, without losing
 * history: the older record is kept, it takes the identifiers and the
 * profile fields it lacked, every conversation of the other moves to it, and
 * where both had a chat open on the same number the messages (and queued
 * sends, tags) move into the kept one, whose counters add up; the emptied
 * chat is closed. The other record is then deleted.
 */
export class ContactMerger {
  async merge(
    trx: TransactionClientContract,
    firstId: number,
    secondId: number
  ): Promise<MergeOutcome> {
    const [keptId, mergedId] = firstId < secondId ? [firstId, secondId] : [secondId, firstId]
    const rows = await trx
      .from('contacts')
      .whereIn('id', [keptId, mergedId])
      .orderBy('id')
      .forUpdate()
      .select('id', ...IDENTIFIERS, ...PROFILE)
    const kept = rows.find((row) => Number(row.id) === keptId)
    const merged = rows.find((row) => Number(row.id) === mergedId)
    if (!kept || !merged) return { keptId, mergedId, joinedConversationIds: [] }

    const joined = await this.#moveConversations(trx, keptId, mergedId)
    await trx.rawQuery(
      `INSERT INTO first_contacts (connection_id, contact_id, created_at)
       SELECT connection_id, ?, created_at FROM first_contacts WHERE contact_id = ?
       ON CONFLICT (connection_id, contact_id) DO NOTHING`,
      [keptId, mergedId]
    )

    // The unique identifiers leave the merged record before the kept one takes them.
    const taken: Record<string, unknown> = {}
    for (const column of [...IDENTIFIERS, ...PROFILE]) {
      if (kept[column] === null && merged[column] !== null) taken[column] = merged[column]
    }
    await trx.from('contacts').where('id', mergedId).delete()
    if (Object.keys(taken).length) {
      await trx
        .from('contacts')
        .where('id', keptId)
        .update({ ...taken, updated_at: new Date() })
    }
    return { keptId, mergedId, joinedConversationIds: joined }
  }

  async #moveConversations(trx: TransactionClientContract, keptId: number, mergedId: number) {
    const clashes = await trx.rawQuery(
      `SELECT m.id AS merged_conversation, k.id AS kept_conversation
         FROM conversations m
         JOIN conversations k ON k.connection_id = m.connection_id AND k.contact_id = ?
                             AND k.state <> 'resolved'
        WHERE m.contact_id = ? AND m.state <> 'resolved'
        ORDER BY m.id
        FOR UPDATE OF m, k`,
      [keptId, mergedId]
    )
    const joined: number[] = []
    for (const clash of clashes.rows as {
      merged_conversation: number
      kept_conversation: number
    }[]) {
      await this.#join(trx, Number(clash.kept_conversation), Number(clash.merged_conversation))
      joined.push(Number(clash.merged_conversation))
    }
    await trx
      .from('conversations')
      .where('contact_id', mergedId)
      .update({ contact_id: keptId, updated_at: new Date() })
    return joined
  }

  /** Both had a chat open on one number: one chat, with everything of both. */
  async #join(
    trx: TransactionClientContract,
    keptConversation: number,
    mergedConversation: number
  ) {
    await trx
      .from('messages')
      .where('conversation_id', mergedConversation)
      .update({ conversation_id: keptConversation })
    await trx
      .from('outbox')
      .where('conversation_id', mergedConversation)
      .update({ conversation_id: keptConversation })
    await trx.rawQuery(
      `INSERT INTO conversation_tags (conversation_id, tag_id, created_by, created_at)
       SELECT ?, tag_id, created_by, created_at FROM conversation_tags WHERE conversation_id = ?
       ON CONFLICT DO NOTHING`,
      [keptConversation, mergedConversation]
    )
    await trx.rawQuery(
      `UPDATE conversations k SET
         unread_count = k.unread_count + m.unread_count,
         pending_count = k.pending_count + m.pending_count,
         last_message_preview = CASE WHEN m.last_message_at > k.last_message_at THEN m.last_message_preview ELSE k.last_message_preview END,
         last_message_kind = CASE WHEN m.last_message_at > k.last_message_at THEN m.last_message_kind ELSE k.last_message_kind END,
         last_message_direction = CASE WHEN m.last_message_at > k.last_message_at THEN m.last_message_direction ELSE k.last_message_direction END,
         last_message_at = GREATEST(k.last_message_at, m.last_message_at),
         last_inbound_at = GREATEST(k.last_inbound_at, m.last_inbound_at),
         opened_at = LEAST(k.opened_at, m.opened_at),
         first_response_at = LEAST(k.first_response_at, m.first_response_at),
         assigned_user_id = COALESCE(k.assigned_user_id, m.assigned_user_id),
         updated_at = now()
       FROM conversations m
       WHERE k.id = ? AND m.id = ?`,
      [keptConversation, mergedConversation]
    )
    await trx.from('conversations').where('id', mergedConversation).update({
      state: 'resolved',
      resolved_at: new Date(),
      unread_count: 0,
      pending_count: 0,
      routing_queued_at: null,
      routing_state: null,
      updated_at: new Date(),
    })
  }
}

/** After the merging transaction committed: `contact:merged` for each merge (lists refetch). */
export async function announceMerges(merges: MergeOutcome[] | undefined) {
  for (const merge of merges ?? []) await publish('contact:merged', merge)
}

export default new ContactMerger()
