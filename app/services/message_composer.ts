import outbound, { OutboundError } from '#channels/outbound_service'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/** Any web address: http(s)://… or www.… (R-MSG-2: links are never sent). */
const LINK = /(https?:\/\/|\bwww\.)/i
export const MAX_BODY_LENGTH = 4096

export interface ComposeInput {
  conversationId: number
  authorUserId: number
  clientId?: string | null
  /** 'text' goes to the customer; 'note' is a private note that never leaves the app. */
  mode: 'text' | 'note'
  body?: string | null
}

/**
 * What an agent types in the composer, checked against the messaging rules
 * and handed to the outbound service. Refusals are translated rule
 * violations on the `body` field; nothing is stored when one is thrown.
 */
export class MessageComposer {
  async send(input: ComposeInput) {
    const body = input.body?.trim() ?? ''
    if (!body) throw new RuleViolationException('inbox.errors.empty', 'body')
    if (body.length > MAX_BODY_LENGTH) {
      throw new RuleViolationException('inbox.errors.too_long', 'body', { max: MAX_BODY_LENGTH })
    }
    // Notes too: one rule for everything typed in the composer, and a note is often pasted on.
    if (LINK.test(body)) {
      throw new RuleViolationException('inbox.errors.links_refused', 'body')
    }
    try {
      return await outbound.submit({
        conversationId: input.conversationId,
        authorUserId: input.authorUserId,
        clientId: input.clientId,
        kind: input.mode,
        body,
      })
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new RuleViolationException(`inbox.errors.${error.code}`, 'body', error.details)
      }
      throw error
    }
  }
}

export default new MessageComposer()
