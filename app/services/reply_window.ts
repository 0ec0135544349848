import { DateTime } from 'luxon'
import Connection from '#models/connection'
import type Conversation from '#models/conversation'
import channelRegistry from '#channels/channel_registry'
import type { ChannelTemplate } from '#channels/channel_driver'

export interface ReplyWindow {
  /** The channel's window in hours; null = the channel has none (always open). */
  hours: number | null
  open: boolean
  /** When it closes (or closed); null without a window or without any customer message. */
  closesAt: DateTime | null
  /** The channel sends templates, the only thing allowed while closed. */
  templates: boolean
}

/**
 * The customer-service window of a conversation (R-MSG-8), from its running
 * driver's capabilities (`replyWindowHours`) and the customer's last message.
 * Without a running driver nothing is known: treated as open, the outbox
 * keeps the message until the channel runs.
 */
export class ReplyWindowLookup {
  async driverOf(conversation: Pick<Conversation, 'connectionId'>) {
    const connection = await Connection.find(conversation.connectionId)
    return connection ? channelRegistry.driverFor(connection) : null
  }

  async of(
    conversation: Pick<Conversation, 'connectionId' | 'lastInboundAt' | 'isWithinReplyWindow'>,
    now = DateTime.now()
  ): Promise<ReplyWindow> {
    const driver = await this.driverOf(conversation)
    const hours = driver?.capabilities.replyWindowHours ?? null
    const templates = Boolean(driver?.capabilities.templates && driver.templates)
    if (hours === null) return { hours, open: true, closesAt: null, templates }
    return {
      hours,
      open: conversation.isWithinReplyWindow(hours, now),
      closesAt: conversation.lastInboundAt?.plus({ hours }) ?? null,
      templates,
    }
  }

  /** The approved templates the conversation's channel offers (empty when it has none). */
  async templatesOf(conversation: Pick<Conversation, 'connectionId'>): Promise<ChannelTemplate[]> {
    const driver = await this.driverOf(conversation)
    if (!driver?.capabilities.templates || !driver.templates) return []
    return driver.templates()
  }
}

export default new ReplyWindowLookup()
