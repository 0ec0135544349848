import { DateTime } from 'luxon'

/*
| A chat's or message's time for lists and timelines: the hour when it is
| today in the organization's time zone, the date and hour before. Same
| output as Luxon's TIME_SIMPLE / DATETIME_SHORT, but from Intl formatters
| built once per (locale, zone): a chat list formats 30+ times per page and
| Luxon's zone conversion showed up as ~8 % of the server's CPU at 100k chats.
*/
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, zone: string, style: 'day' | 'time' | 'datetime') {
  const key = `${locale}\u0000${zone}\u0000${style}`
  let found = formatters.get(key)
  if (!found) {
    const options: Intl.DateTimeFormatOptions =
      style === 'day'
        ? { year: 'numeric', month: '2-digit', day: '2-digit' }
        : style === 'time'
          ? { hour: 'numeric', minute: 'numeric' }
          : {
              year: 'numeric',
              month: 'numeric',
              day: 'numeric',
              hour: 'numeric',
              minute: 'numeric',
            }
    found = new Intl.DateTimeFormat(style === 'day' ? 'en-CA' : locale, {
      ...options,
      timeZone: zone,
    })
    formatters.set(key, found)
  }
  return found
}

export function formatChatTime(
  value: DateTime | Date | null | undefined,
  locale = 'es',
  zone = 'America/Guayaquil'
) {
  if (!value) return ''
  const at = value instanceof Date ? value : value.toJSDate()
  try {
    const day = formatter(locale, zone, 'day')
    const today = day.format(at) === day.format(new Date())
    return formatter(locale, zone, today ? 'time' : 'datetime').format(at)
  } catch {
    // An unknown zone or locale: Luxon's own fallbacks.
    const luxon = DateTime.fromJSDate(at).setZone(zone).setLocale(locale)
    return luxon.hasSame(DateTime.now().setZone(zone), 'day')
      ? luxon.toLocaleString(DateTime.TIME_SIMPLE)
      : luxon.toLocaleString(DateTime.DATETIME_SHORT)
  }
}
