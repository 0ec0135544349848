import { DateTime } from 'luxon'
import type { BusinessHours } from '#models/connection'

const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

/**
 * Whether a connection is open at `at`. No hours configured means always
 * open; a day without a range is closed. Times are wall-clock times in the
 * hours' own timezone, else the organization's (a connection serving
 * another country keeps that country's clock). A range whose end is before
 * its start runs past midnight (22:00–06:00).
 */
export function isWithinBusinessHours(
  hours: BusinessHours | null | undefined,
  at: Date,
  fallbackTimezone: string
) {
  if (!hours || !hours.days || !Object.keys(hours.days).length) return true
  const zone = hours.timezone || fallbackTimezone || 'UTC'
  let local = DateTime.fromJSDate(at, { zone })
  if (!local.isValid) local = DateTime.fromJSDate(at, { zone: 'UTC' })
  const minutes = local.hour * 60 + local.minute
  const today = DAY_KEYS[local.weekday - 1]
  const yesterday = DAY_KEYS[(local.weekday + 5) % 7]

  for (const range of hours.days[today] ?? []) {
    const from = toMinutes(range.from)
    const to = toMinutes(range.to)
    if (from === null || to === null) continue
    if (from <= to ? minutes >= from && minutes < to : minutes >= from) return true
  }
  // Yesterday's overnight range still running this morning.
  for (const range of hours.days[yesterday] ?? []) {
    const from = toMinutes(range.from)
    const to = toMinutes(range.to)
    if (from === null || to === null) continue
    if (from > to && minutes < to) return true
  }
  return false
}

function toMinutes(value: string) {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value ?? '')
  if (!match) return null
  return Number(match[1]) * 60 + Number(match[2])
}
