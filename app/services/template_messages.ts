import type Conversation from '#models/conversation'
import type User from '#models/user'
import outbound, { OutboundError } from '#channels/outbound_service'
import type { OutboundTemplate } from '#channels/channel_driver'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import quickReplyRenderer from '#services/quick_reply_renderer'
import quickReplyPicker from '#services/quick_reply_picker'
import replyWindow from '#services/reply_window'

export interface TemplateSendInput {
  templateId: string
  /** One value per placeholder, in the template's order; may use quick-reply {{variables}}. */
  parameters: string[]
  clientId?: string | null
}

/**
 * Sending an approved template (R-MSG-8): the only message a closed
 * customer-service window allows. Parameters may hold the quick-reply
 * variables ({{contact_name}}, {{agent_name}}…), filled for this chat and
 * agent; the filled body is what the timeline shows.
 */
export class TemplateMessages {
  async send(conversation: Conversation, agent: User, input: TemplateSendInput) {
    const template = (await replyWindow.templatesOf(conversation)).find(
      (candidate) => candidate.id === input.templateId
    )
    if (!template)
      throw new RuleViolationException('reply_window.errors.unknown_template', 'templateId')
    const values = await quickReplyPicker.valuesFor(conversation, agent)
    const filled: string[] = []
    for (const [index] of template.parameters.entries()) {
      const raw = (input.parameters[index] ?? '').trim()
      const value = raw ? (await quickReplyRenderer.render(raw, values)).trim() : ''
      if (!value) {
        throw new RuleViolationException(
          'reply_window.errors.parameter_missing',
          `parameters.${index}`,
          {
            name: template.parameters[index],
          }
        )
      }
      filled.push(value.slice(0, 1024))
    }
    const metadata: OutboundTemplate = {
      name: template.name,
      language: template.language,
      // Positional placeholders ({{1}}) are sent in order, named ones with their name.
      parameters: template.parameters.map((name, index) => ({
        name: /^\d+$/.test(name) ? null : name,
        value: filled[index],
      })),
    }
    const body = template.body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
      const index = template.parameters.indexOf(name)
      return index >= 0 ? filled[index] : whole
    })
    try {
      return await outbound.submit({
        conversationId: conversation.id,
        authorUserId: agent.id,
        clientId: input.clientId,
        kind: 'text',
        body,
        metadata: { template: metadata },
      })
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new RuleViolationException(`inbox.errors.${error.code}`, 'templateId', error.details)
      }
      throw error
    }
  }
}

export default new TemplateMessages()
