import { DateTime } from 'luxon'

/** Days shown when no range is chosen (today and the six before). */
export const DEFAULT_RANGE_DAYS = 7
/** Longest range: a quarter keeps the per-day chart readable and the scan bounded. */
export const MAX_RANGE_DAYS = 92

export interface DashboardRange {
  /** Inclusive first and last day, YYYY-MM-DD in the organization's time zone. */
  from: string
  to: string
  /** [start, end) instants of those days in the organization's time zone. */
  start: Date
  end: Date
  days: string[]
}

/**
 * Turns the validated days into instants in the organization's time zone.
 * Returns `null` when the range is longer than MAX_RANGE_DAYS (the caller
 * shows the translated refusal).
 */
export function dashboardRange(
  input: { from?: Date; to?: Date },
  timezone: string
): DashboardRange | null {
  const today = DateTime.now().setZone(timezone).startOf('day')
  // Vine parses a bare date as local midnight: keep only its calendar day.
  const day = (value: Date) =>
    DateTime.fromISO(DateTime.fromJSDate(value).toISODate()!, { zone: timezone })
  const lastDay = input.to
    ? day(input.to)
    : input.from
      ? (DateTime.max(today, day(input.from)) as DateTime)
      : today
  const firstDay = input.from ? day(input.from) : lastDay.minus({ days: DEFAULT_RANGE_DAYS - 1 })
  const length = Math.round(lastDay.diff(firstDay, 'days').days) + 1
  if (length > MAX_RANGE_DAYS || length < 1) return null
  const days = Array.from({ length }, (_, i) => firstDay.plus({ days: i }).toISODate()!)
  return {
    from: firstDay.toISODate()!,
    to: lastDay.toISODate()!,
    start: firstDay.toJSDate(),
    end: lastDay.plus({ days: 1 }).toJSDate(),
    days,
  }
}
