import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/inbox_events'
import auditTrail from '#services/audit_trail'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export interface AssignInput {
  conversationId: number
  /** The new agent, or null to leave the chat unassigned. */
  userId: number | null
  actor: { id: number } | null
  ip?: string | null
}

/**
 * Hands a conversation to an agent (or takes it back to the queue). Callers
 * are already authorized (chats.assign); the target must be an active user
 * who may see assigned chats. Audited in the same transaction.
 */
export class ConversationAssigner {
  async assign(input: AssignInput) {
    const outcome = await db.transaction(async (trx) => {
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
        .update({ assigned_user_id: input.userId, state, updated_at: new Date() })
      await auditTrail.record(
        {
          actorId: input.actor?.id ?? null,
          action: 'conversation.assign',
          subjectType: 'conversation',
          subjectId: conversation.id,
          before: { assignedUserId: previous, state: conversation.state },
          after: { assignedUserId: input.userId, state },
          ip: input.ip ?? null,
        },
        trx
      )
      return { previous }
    })
    if (outcome) {
      await publish('conversation:assigned', {
        conversationId: input.conversationId,
        userId: input.userId,
        previousUserId: outcome.previous,
      })
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
