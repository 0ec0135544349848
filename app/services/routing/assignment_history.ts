import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

/**
 * Why a conversation changed hands. `rule.*` are the routing rules (no
 * actor); `manual` is a person choosing in the conversation; `transfer`
 * an approved or direct transfer.
 */
export const ASSIGNMENT_REASONS = [
  'rule.responsible',
  'rule.delegate',
  'rule.no_responsible',
  'rule.balanced',
  'manual',
  'transfer',
] as const
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number]

export interface AssignmentChange {
  conversationId: number
  fromUserId: number | null
  toUserId: number | null
  actorUserId: number | null
  reason: AssignmentReason
}

/** Recorded in the transaction that changes the assignment, so history and state never disagree. */
export async function recordAssignmentChange(
  trx: TransactionClientContract,
  change: AssignmentChange
) {
  await trx.knexQuery().table('conversation_assignment_history').insert({
    conversation_id: change.conversationId,
    from_user_id: change.fromUserId,
    to_user_id: change.toUserId,
    actor_user_id: change.actorUserId,
    reason: change.reason,
    created_at: new Date(),
  })
}

export interface AssignmentHistoryEntry {
  id: number
  at: DateTime
  reason: AssignmentReason
  fromName: string | null
  toName: string | null
  actorName: string | null
}

/** The conversation's assignment history, oldest first (names as they are today). */
export async function assignmentHistoryOf(
  conversationId: number
): Promise<AssignmentHistoryEntry[]> {
  const rows = await db
    .from('conversation_assignment_history as h')
    .leftJoin('users as f', 'f.id', 'h.from_user_id')
    .leftJoin('users as t', 't.id', 'h.to_user_id')
    .leftJoin('users as a', 'a.id', 'h.actor_user_id')
    .where('h.conversation_id', conversationId)
    .orderBy([
      { column: 'h.created_at', order: 'asc' },
      { column: 'h.id', order: 'asc' },
    ])
    .select(
      'h.id',
      'h.created_at',
      'h.reason',
      'f.full_name as from_name',
      't.full_name as to_name',
      'a.full_name as actor_name'
    )
  return rows.map((row) => ({
    id: Number(row.id),
    at: DateTime.fromJSDate(new Date(row.created_at)),
    reason: row.reason,
    fromName: row.from_name,
    toName: row.to_name,
    actorName: row.actor_name,
  }))
}
