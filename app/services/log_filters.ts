import { DateTime } from 'luxon'
import type { I18n } from '@adonisjs/i18n'
import { errors as vineErrors } from '@vinejs/vine'
import Organization from '#models/organization'

interface FilterValidator<Output> {
  tryValidate(
    data: unknown,
    options: { messagesProvider: ReturnType<I18n['createMessagesProvider']> }
  ): Promise<[unknown, null] | [null, Output]>
}

/**
 * Reads a list page's filters from the query string. A filter page answers
 * a GET, so bad input cannot redirect back: the page shows the translated
 * messages instead (and no rows), and keeps what the user typed.
 */
export async function readFilters<Output>(
  validator: FilterValidator<Output>,
  query: Record<string, unknown>,
  i18n: I18n
) {
  // An empty <select>/<input> in a GET form arrives as "": it means "any".
  const input = Object.fromEntries(
    Object.entries(query).filter(([, value]) => typeof value === 'string' && value.trim() !== '')
  ) as Record<string, string>
  const [error, filters] = await validator.tryValidate(input, {
    messagesProvider: i18n.createMessagesProvider('filters'),
  })
  if (error instanceof vineErrors.E_VALIDATION_ERROR) {
    const messages = (error.messages as { message: string }[]).map((entry) => entry.message)
    return { filters: null, errors: messages, input }
  }
  if (error) throw error
  return { filters: filters as Output, errors: [] as string[], input }
}

/**
 * A day picked in a filter means that day in the organization's timezone:
 * `from` is the start of its day, `to` is exclusive (the start of the next).
 */
export function dayRange(from: Date | undefined, to: Date | undefined, timezone: string) {
  const toDay = (value: Date) => DateTime.fromJSDate(value).toISODate()!
  return {
    start: from ? DateTime.fromISO(toDay(from), { zone: timezone }).startOf('day') : null,
    end: to
      ? DateTime.fromISO(toDay(to), { zone: timezone }).startOf('day').plus({ days: 1 })
      : null,
  }
}

/** The query string of the current filters, for links and live refetches. */
export function filterQuery(
  input: Record<string, string>,
  overrides: Record<string, string | number | null> = {}
) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...input, ...overrides })) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value))
  }
  return params.toString()
}

/** Times on log pages are shown (and days filtered) in the organization's timezone. */
export async function organizationTimezone() {
  return (await Organization.current())?.timezone ?? 'UTC'
}
