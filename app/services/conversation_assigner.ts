import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/inbox_events'
import auditTrail from '#services/audit_trail'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { recordAssignmentChange } from '#services/routing/assignment_history'

export interface AssignInput {
  conversationId: number
  /** The new agent, or null to leave the chat unassigned. */
  userId: number | null
  actor: { id: number } | null
  ip?: string | null
  /** Why it changed hands (e.g. `transfer:12`), kept in the audit entry. */
  reason?: string | null
  /**
   * The caller's transaction, when the assignment is one step of a larger
   * change (an approved transfer): it lands or rolls back with it, and the
   * event goes out after that transaction commits.
   */
  client?: TransactionClientContract
}

/**
 * Hands a conversation to an agent (or takes it back to the queue). Callers
 * are already authorized (chats.assign); the target must be an active user
 * who may see assigned chats. Audited in the same transaction.
 */
export class ConversationAssigner {
  async assign(input: AssignInput) {
    const work = async (trx: TransactionClientContract) => {
      const conversation = await trx
        .from('conversations')
        .where('id', input.conversationId)
        .forUpdate()
        .select('id', 'state', 'assigned_user_id')
        .firstOrFail()
      const previous = conversation.assigned_user_id ? Number(conversation.assigned_user_id) : null
      if (input.userId !== null) {
        const assignable = await this.assignableUsers(trx).where('u.id', input.userId).first()
        if (!assignable) throw new RuleViolationException('inbox.errors.not_assignable', 'userId')
      }
      if (previous === input.userId) return null
      // Waiting chats follow the assignment: `new` (queue) ↔ `pending` (waiting for its agent).
      let state = conversation.state
      if (state === 'new' && input.userId !== null) state = 'pending'
      else if (state === 'pending' && input.userId === null) state = 'new'
      await trx
        .from('conversations')
        .where('id', conversation.id)
        // A person decided: the chat leaves the routing queue either way.
        .update({
          assigned_user_id: input.userId,
          state,
          routing_queued_at: null,
          routing_state: null,
          updated_at: new Date(),
        })
      await recordAssignmentChange(trx, {
        conversationId: conversation.id,
        fromUserId: previous,
        toUserId: input.userId,
        actorUserId: input.actor?.id ?? null,
        reason: input.reason?.startsWith('transfer') ? 'transfer' : 'manual',
      })
      await auditTrail.record(
        {
          actorId: input.actor?.id ?? null,
          action: 'conversation.assign',
          subjectType: 'conversation',
          subjectId: conversation.id,
          before: { assignedUserId: previous, state: conversation.state },
          after: {
            assignedUserId: input.userId,
            state,
            ...(input.reason ? { reason: input.reason } : {}),
          },
          ip: input.ip ?? null,
        },
        trx
      )
      return { previous }
    }
    const outcome = input.client ? await work(input.client) : await db.transaction(work)
    if (outcome) {
      const announce = () =>
        publish('conversation:assigned', {
          conversationId: input.conversationId,
          userId: input.userId,
          previousUserId: outcome.previous,
          actorId: input.actor?.id ?? null,
        })
      if (input.client) input.client.after('commit', announce)
      else await announce()
    }
    return { changed: !!outcome }
  }

  /** Active users whose role lets them hold chats (the assignment dropdown). */
  assignableUsers(client: Pick<typeof db, 'from'> = db) {
    return client
      .from('users as u')
      .join('roles as r', 'r.id', 'u.role_id')
      .where('u.is_active', true)
      .where('r.is_active', true)
      .where((can) => {
        can
          .where('r.key', 'admin')
          .orWhereExists((sub) =>
            sub
              .from('role_permissions as rp')
              .whereRaw('rp.role_id = r.id')
              .whereIn('rp.permission_key', ['chats.view_own', 'chats.view_all'])
          )
      })
      .orderBy('u.full_name')
      .select('u.id', 'u.full_name')
  }
}

export default new ConversationAssigner()
