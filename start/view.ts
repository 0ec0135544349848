/*
| Edge globals shared by every template.
*/
import edge from 'edge.js'
import { DateTime } from 'luxon'
import notifier from '#services/notifier'

edge.global('formatDateTime', (value: DateTime | null | undefined, locale = 'es') => {
  if (!value) return ''
  return value.setLocale(locale).toLocaleString(DateTime.DATETIME_SHORT)
})
edge.global('json', (value: unknown) => JSON.stringify(value))

// The header's bell renders its own count, so no middleware queries it for
// requests that never show the layout (fragments, the event stream, JSON).
edge.global('unreadNotificationCount', (user: { id: number } | null | undefined) => {
  if (!user) return 0
  return notifier.unreadCount(user)
})
