import Contact from '#models/contact'
import type Conversation from '#models/conversation'
import type User from '#models/user'
import quickReplyRenderer, {
  type MoneyFormat,
  type QuickReplyValues,
} from '#services/quick_reply_renderer'

/** Which value feeds each {{variable}}: a variable whose value is missing is named to the agent. */
const VALUE_OF: Record<string, keyof QuickReplyValues> = {
  agent_name: 'agentName',
  holder: 'holder',
  balance: 'balance',
  days_overdue: 'daysOverdue',
  contact_name: 'contactName',
}

const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

export interface QuickReplyChoice {
  id: number
  shortcut: string
  title: string
  /** The body with this conversation's values filled in, ready to edit. */
  text: string
  /** Variables the body uses that have no value here (shown as "—" in `text`). */
  missing: string[]
}

/**
 * The composer's `/` list (R-MSG-4): active quick replies whose shortcut
 * starts with what the agent typed, each already filled for this conversation
 * and this agent, so picking one only inserts text the agent then edits.
 */
export class QuickReplyPicker {
  /** The values of one conversation as the writing agent sees it. */
  async valuesFor(conversation: Pick<Conversation, 'contactId'>, agent: User) {
    const contact = await Contact.query()
      .where('id', conversation.contactId)
      .preload('client')
      .first()
    const client = contact?.client ?? null
    return {
      agentName: agent.fullName,
      // A phone number is not a name: without one the variable stays visibly empty.
      contactName: contact?.displayName || contact?.profileName || null,
      holder: client?.holderName ?? null,
      balance: client ? client.balance : null,
      daysOverdue: client ? client.daysOverdue : null,
    } satisfies QuickReplyValues
  }

  async choices(
    conversation: Pick<Conversation, 'contactId'>,
    agent: User,
    typed: string,
    limit = 8
  ): Promise<QuickReplyChoice[]> {
    const [replies, values, money] = await Promise.all([
      quickReplyRenderer.search(typed, limit),
      this.valuesFor(conversation, agent),
      quickReplyRenderer.moneyFormat(),
    ])
    return Promise.all(replies.map((reply) => this.fill(reply, values, money)))
  }

  async fill(
    reply: { id: number; shortcut: string; title: string; body: string },
    values: QuickReplyValues,
    money: MoneyFormat
  ): Promise<QuickReplyChoice> {
    return {
      id: reply.id,
      shortcut: reply.shortcut,
      title: reply.title,
      text: await quickReplyRenderer.render(reply.body, values, money),
      missing: missingVariables(reply.body, values),
    }
  }
}

/** Variables used in `body` whose value is absent or blank, in order of appearance. */
export function missingVariables(body: string, values: QuickReplyValues) {
  const names = [...body.matchAll(VARIABLE)].map((match) => match[1])
  return [...new Set(names)].filter((name) => {
    const key = VALUE_OF[name]
    if (!key) return false
    const value = values[key]
    if (value === null || value === undefined) return true
    if (typeof value === 'string')
      return value.trim() === '' || (key === 'balance' && !Number.isFinite(Number(value)))
    return typeof value === 'number' && !Number.isFinite(value)
  })
}

export default new QuickReplyPicker()
