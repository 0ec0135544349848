/*
| Edge globals shared by every template.
*/
import edge from 'edge.js'
import { DateTime } from 'luxon'
import { formatChatTime } from '#services/chat_time'
import { layoutCounters } from '#services/layout_counters'
import { templateParameterLabel } from '#services/template_messages'
import type User from '#models/user'
import './view_chat_tools.js'
import './view_media.js'
import './view_partial_cache.js'

edge.global('formatDateTime', (value: DateTime | null | undefined, locale = 'es') => {
  if (!value) return ''
  return value.setLocale(locale).toLocaleString(DateTime.DATETIME_SHORT)
})
edge.global('json', (value: unknown) => JSON.stringify(value))
// A template parameter's label in the composer (a body value, a header's, a button's link part).
edge.global('templateParameterLabel', templateParameterLabel)

// The header's bell renders its own count, so no middleware queries it for
// requests that never show the layout (fragments, the event stream, JSON).
// It and the pending counter below come from one query (layoutCounters).
edge.global('unreadNotificationCount', async (user: User | null | undefined) => {
  if (!user) return 0
  return (await layoutCounters(user)).unreadNotifications
})

// The inbox: a chat's or message's time (hour today, date before) and the
// header's pending-to-answer counter (R-MSG-3), null for users without chats.
// Both in the organization's time zone (shared as `timezone` by the layout middleware): "today" is
// the organization's day, not the server's.
edge.global('formatChatTime', formatChatTime)
edge.global('pendingToAnswer', async (user: User | null | undefined) => {
  if (!user) return null
  // On every page: the sum alone (open chats waiting for an answer), not the tray counts.
  return (await layoutCounters(user)).pendingToAnswer
})
