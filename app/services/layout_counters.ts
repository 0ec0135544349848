import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import notifier from '#services/notifier'
import conversationSearch from '#services/conversation_search'

export interface LayoutCounters {
  unreadNotifications: number
  /** Null for users who hold no chats (no counter in their header). */
  pendingToAnswer: { count: number; seesAll: boolean } | null
}

/*
 * Keyed by the request's user instance (the session guard loads a fresh one per
 * request), so the header's counters cost one round trip per page and are never
 * reused by a later request.
 */
const perRequest = new WeakMap<User, Promise<LayoutCounters>>()

/**
 * The header's bell and pending-to-answer counter (R-MSG-3) read in one query:
 * every full page shows both, and each separate round trip waits for a
 * PostgreSQL backend on a busy machine.
 */
export function layoutCounters(user: User): Promise<LayoutCounters> {
  let counters = perRequest.get(user)
  if (!counters) {
    counters = read(user)
    perRequest.set(user, counters)
    counters.catch(() => perRequest.delete(user))
  }
  return counters
}

async function read(user: User): Promise<LayoutCounters> {
  const viewer = await conversationSearch.viewerFor(user)
  const seesAll = viewer.permissions.has('chats.view_all')
  const holdsChats = seesAll || viewer.permissions.has('chats.view_own')
  const query = db.query().select(notifier.unreadCountQuery(user).as('unread'))
  if (holdsChats) query.select(conversationSearch.pendingMessagesQuery(viewer).as('pending'))
  const row = await query.first()
  return {
    unreadNotifications: Number(row?.unread ?? 0),
    pendingToAnswer: holdsChats ? { count: Number(row?.pending ?? 0), seesAll } : null,
  }
}
