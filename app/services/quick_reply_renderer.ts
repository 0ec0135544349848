import QuickReply from '#models/quick_reply'
import Organization from '#models/organization'

/** The only {{variables}} a quick reply may use (R-MSG-4). */
export const QUICK_REPLY_VARIABLES = [
  'agent_name',
  'holder',
  'balance',
  'days_overdue',
  'contact_name',
] as const

/** What a variable without a value becomes: visible, so the agent notices before sending. */
export const MISSING_VALUE = '—'

export interface QuickReplyValues {
  agentName?: string | null
  holder?: string | null
  /** Lucid returns decimals as strings. */
  balance?: number | string | null
  daysOverdue?: number | null
  contactName?: string | null
}

export interface MoneyFormat {
  /** BCP 47, e.g. `es-EC`. */
  locale: string
  currency: string
}

const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/** Currency of the organization's default country; Ecuador (and the fallback) uses US dollars. */
const CURRENCIES: Record<string, string> = {
  EC: 'USD',
  US: 'USD',
  SV: 'USD',
  PA: 'USD',
  CO: 'COP',
  PE: 'PEN',
  MX: 'MXN',
  CL: 'CLP',
  AR: 'ARS',
  BO: 'BOB',
  ES: 'EUR',
}

/**
 * Fills a quick reply's {{variables}} for the composer, which shows the result
 * for the agent to edit before sending. Unknown variables are refused when the
 * reply is saved (`unknownVariables`), so rendering leaves none behind.
 */
export class QuickReplyRenderer {
  /** The variable names the body uses that are not in the fixed list, in order of appearance. */
  unknownVariables(body: string) {
    const known = new Set<string>(QUICK_REPLY_VARIABLES)
    const names = [...body.matchAll(VARIABLE)].map((match) => match[1])
    return [...new Set(names.filter((name) => !known.has(name)))]
  }

  /** Money in the organization's locale, e.g. "$ 1.234,50" for es-EC. */
  async moneyFormat(): Promise<MoneyFormat> {
    const organization = await Organization.current()
    const language = organization?.defaultLocale ?? 'es'
    const country = (organization?.defaultCountryCode ?? 'EC').toUpperCase()
    return { locale: `${language}-${country}`, currency: CURRENCIES[country] ?? 'USD' }
  }

  formatMoney(amount: number | string, format: MoneyFormat) {
    const value = typeof amount === 'string' ? Number(amount) : amount
    if (!Number.isFinite(value)) return MISSING_VALUE
    const parts = new Intl.NumberFormat(format.locale, {
      style: 'currency',
      currency: format.currency,
    }).formatToParts(value)
    // Spanish writes a space between the symbol and the amount ("$ 1.234,50"); ICU does not.
    const spaced = format.locale.toLowerCase().startsWith('es')
    return parts
      .map((part, index) => {
        const next = parts[index + 1]
        const glue = spaced && part.type === 'currency' && next && next.type !== 'literal'
        return glue ? `${part.value} ` : part.value
      })
      .join('')
  }

  /** The body with every known variable filled; missing values become MISSING_VALUE. */
  async render(body: string, values: QuickReplyValues, format?: MoneyFormat) {
    const money = format ?? (await this.moneyFormat())
    const filled: Record<string, string | null> = {
      agent_name: text(values.agentName),
      holder: text(values.holder),
      contact_name: text(values.contactName),
      days_overdue:
        values.daysOverdue === null || values.daysOverdue === undefined
          ? null
          : String(values.daysOverdue),
      balance:
        values.balance === null || values.balance === undefined || values.balance === ''
          ? null
          : this.formatMoney(values.balance, money),
    }
    return body.replace(VARIABLE, (whole, name: string) =>
      name in filled ? (filled[name] ?? MISSING_VALUE) : whole
    )
  }

  /** Active replies whose shortcut starts with what follows `/` in the composer. */
  async search(prefix: string, limit = 10) {
    const term = prefix.trim().replace(/^\//, '').toLowerCase()
    const escaped = term.replace(/[\\%_]/g, (char) => `\\${char}`)
    return QuickReply.query()
      .where('is_active', true)
      .whereRaw(`lower(shortcut) like ? escape '\\'`, [`${escaped}%`])
      .orderBy('shortcut')
      .limit(limit)
  }
}

function text(value: string | null | undefined) {
  const trimmed = value?.trim()
  return trimmed ? trimmed : null
}

export default new QuickReplyRenderer()
