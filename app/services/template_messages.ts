import type Conversation from '#models/conversation'
import type User from '#models/user'
import outbound, { OutboundError } from '#channels/outbound_service'
import type { ChannelTemplate, OutboundTemplate } from '#channels/channel_driver'
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
  /**
   * The text the customer would read with these parameters (variables
   * filled, empty ones left as their placeholder); null for a template the
   * chat's channel does not offer.
   */
  async preview(
    conversation: Conversation,
    agent: User,
    input: Pick<TemplateSendInput, 'templateId' | 'parameters'>
  ) {
    const template = await this.#find(conversation, input.templateId)
    if (!template) return null
    return filledBody(template, await this.#fill(conversation, agent, template, input.parameters))
  }

  async send(conversation: Conversation, agent: User, input: TemplateSendInput) {
    const template = await this.#find(conversation, input.templateId)
    if (!template)
      throw new RuleViolationException('reply_window.errors.unknown_template', 'templateId')
    const values = await this.#fill(conversation, agent, template, input.parameters)
    const missing = values.findIndex((value) => !value)
    if (missing >= 0) {
      const label = templateParameterLabel(template.parameters[missing])
      throw new RuleViolationException(
        label.key === 'reply_window.parameter'
          ? 'reply_window.errors.parameter_missing'
          : `reply_window.errors.missing_${label.key.split('.').pop()}`,
        `parameters.${missing}`,
        label.key === 'reply_window.parameter'
          ? { name: template.parameters[missing] }
          : label.values
      )
    }
    const filled = values as string[]
    const badLink = template.parameters.findIndex(
      (name, index) => MEDIA_PARAMETER.test(name) && !isHttpsUrl(filled[index])
    )
    if (badLink >= 0) {
      throw new RuleViolationException('reply_window.errors.media_link', `parameters.${badLink}`)
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
    const body = filledBody(template, filled)
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

  async #find(conversation: Conversation, templateId: string) {
    return (await replyWindow.templatesOf(conversation)).find(
      (candidate) => candidate.id === templateId
    )
  }

  /** Each parameter with the quick-reply variables filled for this chat and agent; null when empty. */
  async #fill(
    conversation: Conversation,
    agent: User,
    template: ChannelTemplate,
    parameters: (string | null | undefined)[]
  ) {
    const values = await quickReplyPicker.valuesFor(conversation, agent)
    const filled: (string | null)[] = []
    for (const [index] of template.parameters.entries()) {
      const raw = (parameters[index] ?? '').trim()
      const value = raw ? (await quickReplyRenderer.render(raw, values)).trim() : ''
      filled.push(value ? value.slice(0, 1024) : null)
    }
    return filled
  }
}

/** A header's file, given as a link the provider fetches (ChannelTemplate.parameters). */
const MEDIA_PARAMETER = /^header:(image|video|document)$/

/**
 * How a template parameter is named to the agent (reply_window.json `parts`),
 * from ChannelTemplate.parameters' convention: the label of its input, and
 * the message when it is missing.
 */
export function templateParameterLabel(name: string) {
  const media = MEDIA_PARAMETER.exec(name)
  if (media) return { key: `reply_window.parts.media_${media[1]}`, values: {} }
  if (name.startsWith('header:'))
    return { key: 'reply_window.parts.header', values: { name: name.slice(7) } }
  if (name.startsWith('button:'))
    return { key: 'reply_window.parts.button', values: { number: Number(name.slice(7)) + 1 } }
  return { key: 'reply_window.parameter', values: { name } }
}

function isHttpsUrl(value: string) {
  try {
    return new URL(value).protocol === 'https:'
  } catch {
    return false
  }
}

/** The template's body with each placeholder replaced by its value (kept as is when it has none). */
function filledBody(template: ChannelTemplate, filled: (string | null)[]) {
  return template.body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    const index = template.parameters.indexOf(name)
    return index >= 0 && filled[index] ? filled[index]! : whole
  })
}

export default new TemplateMessages()
