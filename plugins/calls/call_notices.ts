import type { PluginContext } from '#plugin_host/contract'
import type { Infer } from '@vinejs/vine/types'
import type { callsSettingsSchema } from './settings.js'

export type CallsContext = PluginContext<Infer<typeof callsSettingsSchema>>

interface CallEvent {
  conversationId: number
  messageId: number
}

/**
 * What happens when a customer calls a WhatsApp number (R-CL-1). The core
 * already keeps the call in the conversation's timeline; this plugin tells
 * the people who should know, and may decline the call on the business's
 * behalf with a message saying where to write instead.
 */
export class CallNotices {
  constructor(private ctx: CallsContext) {}

  /** The first event of a call (`conversation:message_received` of kind call). */
  async callStarted(event: CallEvent & { kind: string; direction: 'in' | 'out' }) {
    if (event.kind !== 'call' || event.direction !== 'in') return
    const call = await this.ctx.ports.conversations.message(event.messageId)
    if (!call || !ringing(call.metadata.callStatus)) return
    const settings = this.ctx.settings.get()

    let rejected = false
    if (settings.autoReject) {
      rejected = await this.ctx.ports.conversations.rejectCall(event.messageId)
      if (!rejected) {
        await this.ctx.systemEvents.record({
          level: 'warning',
          category: 'calls.reject_unsupported',
          message: `Call ${event.messageId} could not be declined: its channel has no call control`,
          context: { messageId: event.messageId, conversationId: event.conversationId },
        })
      }
      const text = settings.rejectMessage?.trim()
      if (rejected && text)
        await this.ctx.ports.conversations.sendAutomatic(event.conversationId, text)
    }
    if (settings.notifyAgent) {
      await this.#notify(
        event,
        rejected ? 'calls.notifications.auto_rejected' : 'calls.notifications.incoming'
      )
    }
  }

  /** A call moved on (`conversation:message_updated`): a missed one is worth a notice. */
  async callUpdated(event: CallEvent) {
    const call = await this.ctx.ports.conversations.message(event.messageId)
    if (!call || call.kind !== 'call' || call.direction !== 'in') return
    if (call.metadata.callStatus !== 'missed' || !this.ctx.settings.get().notifyAgent) return
    await this.#notify(event, 'calls.notifications.missed')
  }

  /** The conversation's agent; supervisors when nobody has it yet. */
  async #notify(event: CallEvent, kind: string) {
    const conversation = await this.ctx.ports.conversations.find(event.conversationId)
    if (!conversation) return
    const data = { name: conversation.contactName ?? '' }
    const url = `/inbox/conversations/${conversation.id}`
    const { notifications } = this.ctx.ports
    if (conversation.assignedUserId) {
      await notifications.notify([conversation.assignedUserId], kind, data, url)
    } else {
      await notifications.notifyWithPermission('chats.view_all', kind, data, url)
    }
  }
}

function ringing(status: unknown) {
  return status === 'offer' || status === 'ringing'
}
