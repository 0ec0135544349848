import { metaContext } from '../plugin_context.js'
import metaNumbers from '../numbers/meta_numbers.js'

/**
 * An agent opened a conversation (core event `conversation:read`): tell
 * Meta the customer's latest message was read, which also marks the
 * earlier ones (A.6), when the number's setting asks for it. Runs after the
 * response; a failure only costs the blue ticks on the customer's phone.
 */
export async function markConversationRead(conversationId: number) {
  const latest = await metaContext().ports.conversations.latestInboundMessage(conversationId)
  if (!latest) return false
  const number = await metaNumbers.byConnection(latest.connectionId)
  if (!number?.markRead) return false
  await metaNumbers.graphFor(number).post(`${number.phoneNumberId}/messages`, {
    messaging_product: 'whatsapp',
    status: 'read',
    message_id: latest.externalId,
  })
  return true
}

export function onConversationRead(event: { conversationId: number }) {
  markConversationRead(event.conversationId).catch((error) =>
    metaContext().logger.warn({ err: error, ...event }, 'meta mark-as-read failed')
  )
}
