import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/inbox_events'
import auditTrail from '#services/audit_trail'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/**
 * Resolve and reopen a conversation (callers are authorized). Reopening is
 * refused while the contact has a newer open chat on the same connection
 * (at most one open chat per connection and contact).
 */
export class ConversationResolution {
  async resolve(conversationId: number, actor: { id: number } | null, ip?: string | null) {
    return this.#change(conversationId, true, actor, ip)
  }

  async reopen(conversationId: number, actor: { id: number } | null, ip?: string | null) {
    return this.#change(conversationId, false, actor, ip)
  }

  async #change(
    conversationId: number,
    resolve: boolean,
    actor: { id: number } | null,
    ip?: string | null
  ) {
    const changed = await db.transaction(async (trx) => {
      const conversation = await trx
        .from('conversations')
        .where('id', conversationId)
        .forUpdate()
        .select(
          'id',
          'state',
          'connection_id',
          'contact_id',
          'assigned_user_id',
          'first_response_at'
        )
        .firstOrFail()
      if ((conversation.state === 'resolved') === resolve) return false
      const now = new Date()
      let state: string = 'resolved'
      if (!resolve) {
        const open = await trx
          .from('conversations')
          .where('connection_id', conversation.connection_id)
          .where('contact_id', conversation.contact_id)
          .whereNot('state', 'resolved')
          .select('id')
          .first()
        if (open) throw new RuleViolationException('inbox.errors.open_elsewhere')
        state = conversation.first_response_at
          ? 'in_progress'
          : conversation.assigned_user_id
            ? 'pending'
            : 'new'
      }
      await trx
        .from('conversations')
        .where('id', conversationId)
        .update({
          state,
          resolved_at: resolve ? now : null,
          // A resolved chat waits for nobody.
          ...(resolve ? { pending_count: 0 } : {}),
          updated_at: now,
        })
      await auditTrail.record(
        {
          actorId: actor?.id ?? null,
          action: resolve ? 'conversation.resolve' : 'conversation.reopen',
          subjectType: 'conversation',
          subjectId: conversationId,
          before: { state: conversation.state },
          after: { state },
          ip: ip ?? null,
        },
        trx
      )
      return true
    })
    if (changed) {
      await publish('conversation:resolution_changed', { conversationId, resolved: resolve })
    }
    return { changed }
  }
}

export default new ConversationResolution()
