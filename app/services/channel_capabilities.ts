import Connection from '#models/connection'
import channelRegistry from '#channels/channel_registry'
import type { OutboundKind } from '#channels/channel_driver'

/**
 * What the channel behind a conversation can send, asked of its running
 * driver (`ChannelDriver.capabilities`): the composer refuses an attachment
 * the channel could never deliver instead of letting it fail in the outbox.
 */
export class ChannelCapabilitiesLookup {
  /** The kinds the conversation's driver sends; null when no driver runs here (unknown). */
  async mediaKindsOf(conversationId: number): Promise<OutboundKind[] | null> {
    const connection = await Connection.query()
      .whereIn('id', (query) =>
        query.from('conversations').where('id', conversationId).select('connection_id')
      )
      .first()
    if (!connection) return null
    return channelRegistry.driverFor(connection)?.capabilities.mediaKinds ?? null
  }
}

export default new ChannelCapabilitiesLookup()
