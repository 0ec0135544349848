import db from '@adonisjs/lucid/services/db'
import type Conversation from '#models/conversation'
import type User from '#models/user'
import chatTransfers from '#services/chat_transfers'
import conversationAssigner from '#services/conversation_assigner'

/**
 * What the conversation pane's transfer box shows a viewer (already allowed
 * to see the chat): the pending request, and the forms they may use — an
 * agent requests on their own open chat, an approver decides or transfers
 * directly.
 */
export class ConversationTransferPanel {
  async for(user: User, conversation: Conversation) {
    const permissions = await user.permissions()
    const open = conversation.state !== 'resolved'
    const canApprove = permissions.has('transfers.approve')
    const canRequest =
      open &&
      !canApprove &&
      permissions.has('transfers.request') &&
      conversation.assignedUserId === user.id
    const pending = await chatTransfers.pendingFor(conversation.id)
    const needsTargets = !pending && (canRequest || (open && canApprove))
    const [agents, departments, names] = await Promise.all([
      needsTargets ? conversationAssigner.assignableUsers() : [],
      needsTargets
        ? db.from('departments').where('is_active', true).orderBy('name').select('id', 'name')
        : [],
      pending ? this.#names(pending) : null,
    ])
    return {
      conversationId: conversation.id,
      pending: pending && names ? { ...pending, ...names } : null,
      canRequest: canRequest && !pending,
      canDirect: open && canApprove,
      canDecide: canApprove && !!pending,
      canSeeHistory: permissions.has('transfers.view_history'),
      agents: agents.filter((agent) => Number(agent.id) !== conversation.assignedUserId),
      departments,
    }
  }

  async #names(pending: {
    requestedBy: number | null
    targetUserId: number | null
    targetDepartmentId: number | null
  }) {
    const ids = [pending.requestedBy, pending.targetUserId].filter((id): id is number => !!id)
    const [users, department] = await Promise.all([
      ids.length ? db.from('users').whereIn('id', ids).select('id', 'full_name') : [],
      pending.targetDepartmentId
        ? db.from('departments').where('id', pending.targetDepartmentId).select('name').first()
        : null,
    ])
    const nameOf = (id: number | null) =>
      users.find((row) => Number(row.id) === id)?.full_name ?? null
    return {
      requesterName: nameOf(pending.requestedBy) as string | null,
      targetName: (pending.targetUserId
        ? nameOf(pending.targetUserId)
        : (department?.name ?? null)) as string | null,
    }
  }
}

export default new ConversationTransferPanel()
