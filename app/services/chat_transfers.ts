import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { publish } from '#events/transfer_events'
import auditTrail from '#services/audit_trail'
import conversationAssigner from '#services/conversation_assigner'
import notifier from '#services/notifier'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export type TransferTarget = { type: 'user'; id: number } | { type: 'department'; id: number }

export interface TransferActor {
  id: number
  fullName: string
}

interface ActorInput {
  actor: TransferActor
  ip?: string | null
}

export interface RequestTransferInput extends ActorInput {
  conversationId: number
  target: TransferTarget
  reason: string
}

export interface DecideTransferInput extends ActorInput {
  transferId: number
  note?: string | null
}

/** Longest reason excerpt copied into a notification (the full text stays on the request). */
const EXCERPT = 120
const UNIQUE_VIOLATION = '23505'

/**
 * Chat transfers (R-TR-1..3). An agent asks to hand their conversation to an
 * agent or a department; approvers (transfers.approve) are notified in the
 * same transaction and decide; the requester hears back. Approval moves the
 * conversation through the assigner inside the decision's transaction, so a
 * transfer is never "approved" without the chat having moved. Approvers can
 * also transfer directly (recorded as an already approved `direct` row).
 *
 * Callers have checked the route permission and that the actor may see the
 * conversation; the rules about the conversation itself live here, under the
 * conversation's row lock.
 */
export class ChatTransfers {
  async request(input: RequestTransferInput) {
    const transfer = await this.#transaction(async (trx) => {
      const conversation = await this.#lockConversation(trx, input.conversationId)
      if (conversation.assignedUserId !== input.actor.id)
        throw new RuleViolationException('transfers.errors.not_yours')
      if (conversation.state === 'resolved')
        throw new RuleViolationException('transfers.errors.resolved')
      if (await this.#pendingOf(trx, conversation.id))
        throw new RuleViolationException('transfers.errors.duplicate')
      const target = await this.#checkTarget(trx, input.target, conversation.assignedUserId)
      const id = await this.#insert(trx, input, conversation.assignedUserId, {
        kind: 'request',
        state: 'pending',
      })
      await auditTrail.record(
        {
          actorId: input.actor.id,
          action: 'transfer.requested',
          subjectType: 'conversation',
          subjectId: conversation.id,
          after: { transferId: id, target: input.target, reason: input.reason },
          ip: input.ip ?? null,
        },
        trx
      )
      const approvers = (await notifier.usersWithPermission('transfers.approve')).filter(
        (userId) => userId !== input.actor.id
      )
      await notifier.notify(
        approvers,
        'transfers.notifications.requested',
        {
          requester: input.actor.fullName,
          contact: conversation.contactName,
          target: target.name,
          reason: excerpt(input.reason),
        },
        `/transfers/${id}`,
        { client: trx }
      )
      trx.after('commit', () =>
        publish('transfer:requested', {
          transferId: id,
          conversationId: conversation.id,
          requestedBy: input.actor.id,
        })
      )
      return { id }
    })
    return transfer
  }

  async approve(input: DecideTransferInput) {
    return this.#decide(input, 'approved')
  }

  async deny(input: DecideTransferInput) {
    return this.#decide(input, 'denied')
  }

  /** An approver moves the chat at once; a pending request for it is cancelled (superseded). */
  async transferDirectly(input: RequestTransferInput) {
    return this.#transaction(async (trx) => {
      const conversation = await this.#lockConversation(trx, input.conversationId)
      await this.#checkTarget(trx, input.target, conversation.assignedUserId)
      const pending = await this.#pendingOf(trx, conversation.id, true)
      if (pending) {
        await trx.from('transfer_requests').where('id', pending.id).update({
          state: 'cancelled',
          decided_by: input.actor.id,
          decided_at: new Date(),
          decision_note: input.reason,
          updated_at: new Date(),
        })
        await this.#tellRequester(trx, pending, 'cancelled', input.actor, conversation.contactName)
      }
      const id = await this.#insert(trx, input, conversation.assignedUserId, {
        kind: 'direct',
        state: 'approved',
        decided_by: input.actor.id,
        decided_at: new Date(),
      })
      await this.#move(trx, conversation.id, input.target, input.actor, id, input.ip)
      await auditTrail.record(
        {
          actorId: input.actor.id,
          action: 'transfer.direct',
          subjectType: 'conversation',
          subjectId: conversation.id,
          before: { assignedUserId: conversation.assignedUserId },
          after: { transferId: id, target: input.target, reason: input.reason },
          ip: input.ip ?? null,
        },
        trx
      )
      trx.after('commit', async () => {
        if (pending) {
          await publish('transfer:decided', {
            transferId: pending.id,
            conversationId: conversation.id,
            requestedBy: pending.requestedBy,
            state: 'cancelled',
          })
        }
        await publish('transfer:decided', {
          transferId: id,
          conversationId: conversation.id,
          requestedBy: input.actor.id,
          state: 'approved',
        })
      })
      return { id }
    })
  }

  /** The pending request of a conversation, if any (the conversation pane shows it). */
  async pendingFor(conversationId: number) {
    return this.#pendingOf(db, conversationId)
  }

  async #decide(input: DecideTransferInput, state: 'approved' | 'denied') {
    return this.#transaction(async (trx) => {
      const transfer = await trx
        .from('transfer_requests')
        .where('id', input.transferId)
        .forUpdate()
        .first()
      if (!transfer) throw new RuleViolationException('transfers.errors.not_found')
      if (transfer.state !== 'pending')
        throw new RuleViolationException('transfers.errors.already_decided')
      const conversation = await this.#lockConversation(trx, Number(transfer.conversation_id))
      const target: TransferTarget | null = transfer.target_user_id
        ? { type: 'user', id: Number(transfer.target_user_id) }
        : transfer.target_department_id
          ? { type: 'department', id: Number(transfer.target_department_id) }
          : null
      if (state === 'approved') {
        // The target may have been inactivated since the request: then it cannot be approved.
        if (!target) throw new RuleViolationException('transfers.errors.target_gone')
        await this.#checkTarget(trx, target, null)
        await this.#move(trx, conversation.id, target, input.actor, Number(transfer.id), input.ip)
      }
      await trx
        .from('transfer_requests')
        .where('id', transfer.id)
        .update({
          state,
          decided_by: input.actor.id,
          decided_at: new Date(),
          decision_note: input.note || null,
          updated_at: new Date(),
        })
      await auditTrail.record(
        {
          actorId: input.actor.id,
          action: state === 'approved' ? 'transfer.approved' : 'transfer.denied',
          subjectType: 'conversation',
          subjectId: conversation.id,
          before: { transferId: Number(transfer.id), state: 'pending' },
          after: { transferId: Number(transfer.id), state, note: input.note || null },
          ip: input.ip ?? null,
        },
        trx
      )
      const pending = {
        id: Number(transfer.id),
        requestedBy: transfer.requested_by ? Number(transfer.requested_by) : null,
      }
      await this.#tellRequester(trx, pending, state, input.actor, conversation.contactName)
      trx.after('commit', () =>
        publish('transfer:decided', {
          transferId: pending.id,
          conversationId: conversation.id,
          requestedBy: pending.requestedBy,
          state,
        })
      )
      return { id: pending.id, state }
    })
  }

  /**
   * The conversation changes hands through the assigner (audited, with the
   * transfer as the reason). A department transfer puts the chat in that
   * department's queue, unassigned, for its rules or a supervisor to hand out.
   */
  async #move(
    trx: TransactionClientContract,
    conversationId: number,
    target: TransferTarget,
    actor: TransferActor,
    transferId: number,
    ip?: string | null
  ) {
    if (target.type === 'department') {
      await trx
        .from('conversations')
        .where('id', conversationId)
        .update({ department_id: target.id, updated_at: new Date() })
    }
    await conversationAssigner.assign({
      conversationId,
      userId: target.type === 'user' ? target.id : null,
      actor,
      ip: ip ?? null,
      reason: `transfer:${transferId}`,
      client: trx,
    })
  }

  async #tellRequester(
    trx: TransactionClientContract,
    transfer: { id: number; requestedBy: number | null },
    state: 'approved' | 'denied' | 'cancelled',
    actor: TransferActor,
    contact: string
  ) {
    if (!transfer.requestedBy || transfer.requestedBy === actor.id) return
    await notifier.notify(
      [transfer.requestedBy],
      `transfers.notifications.${state}`,
      { decider: actor.fullName, contact },
      `/transfers/${transfer.id}`,
      { client: trx }
    )
  }

  async #insert(
    trx: TransactionClientContract,
    input: RequestTransferInput,
    fromUserId: number | null,
    fields: Record<string, unknown>
  ) {
    const [row] = await trx
      .insertQuery()
      .table('transfer_requests')
      .insert({
        conversation_id: input.conversationId,
        requested_by: input.actor.id,
        from_user_id: fromUserId,
        target_user_id: input.target.type === 'user' ? input.target.id : null,
        target_department_id: input.target.type === 'department' ? input.target.id : null,
        reason: input.reason,
        ...fields,
      })
      .returning('id')
    return Number(row.id ?? row)
  }

  async #lockConversation(trx: TransactionClientContract, conversationId: number) {
    const row = await trx
      .from('conversations as c')
      .join('contacts as ct', 'ct.id', 'c.contact_id')
      .where('c.id', conversationId)
      .forUpdate('c')
      .select('c.id', 'c.state', 'c.assigned_user_id')
      .select(
        db.raw("coalesce(ct.display_name, ct.profile_name, ct.phone_e164, '#' || ct.id) AS label")
      )
      .first()
    if (!row) throw new RuleViolationException('transfers.errors.not_found')
    return {
      id: Number(row.id),
      state: row.state as string,
      assignedUserId: row.assigned_user_id ? Number(row.assigned_user_id) : null,
      contactName: row.label as string,
    }
  }

  async #pendingOf(
    trx: TransactionClientContract | typeof db,
    conversationId: number,
    lock = false
  ) {
    const query = trx
      .from('transfer_requests')
      .where('conversation_id', conversationId)
      .where('state', 'pending')
      .select('id', 'requested_by', 'target_user_id', 'target_department_id', 'reason')
    if (lock) query.forUpdate()
    const row = await query.first()
    if (!row) return null
    return {
      id: Number(row.id),
      requestedBy: row.requested_by ? Number(row.requested_by) : null,
      targetUserId: row.target_user_id ? Number(row.target_user_id) : null,
      targetDepartmentId: row.target_department_id ? Number(row.target_department_id) : null,
      reason: row.reason as string,
    }
  }

  /** An active agent who may hold chats (not the one holding it now), or an active department. */
  async #checkTarget(
    trx: TransactionClientContract,
    target: TransferTarget,
    currentUserId: number | null
  ) {
    if (target.type === 'user') {
      if (target.id === currentUserId)
        throw new RuleViolationException('transfers.errors.same_agent')
      const user = await conversationAssigner.assignableUsers(trx).where('u.id', target.id).first()
      if (!user) throw new RuleViolationException('transfers.errors.bad_target')
      return { name: user.full_name as string }
    }
    const department = await trx
      .from('departments')
      .where('id', target.id)
      .where('is_active', true)
      .select('name')
      .first()
    if (!department) throw new RuleViolationException('transfers.errors.bad_target')
    return { name: department.name as string }
  }

  /** Two requests racing past the check: the partial unique index decides (R-TR-3). */
  async #transaction<T>(work: (trx: TransactionClientContract) => Promise<T>) {
    try {
      return await db.transaction(work)
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new RuleViolationException('transfers.errors.duplicate')
      throw error
    }
  }
}

function excerpt(text: string) {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text
}

export default new ChatTransfers()
