import type { I18n } from '@adonisjs/i18n'
import { DateTime } from 'luxon'
import conversationSearch, {
  type ChatListFilters,
  type ChatListViewer,
} from '#services/conversation_search'
import { csvLine } from '#services/transfer_csv'

/** Chats per round trip: the export walks the list's own keyset pages. */
const PAGE = 100

/**
 * The chat list as CSV, through the same query as the screen: the viewer's
 * isolation (agents: their chats), the filters, and only the tags their role
 * may see (R-TG-3). Streamed page by page.
 */
export async function* chatListCsv(
  viewer: ChatListViewer,
  filters: ChatListFilters,
  i18n: I18n,
  timezone: string
) {
  const t = (key: string) => i18n.t(`chat_exports.${key}`)
  yield `\uFEFF${csvLine([
    t('contact'),
    t('phone'),
    t('client'),
    t('state'),
    t('agent'),
    t('tags'),
    t('last_message_at'),
    t('pending'),
  ])}`
  let cursor: string | null = null
  do {
    const page = await conversationSearch.list(viewer, filters, { cursor, limit: PAGE })
    for (const row of page.rows) {
      yield csvLine([
        row.contact.name,
        row.contact.phoneE164,
        row.contact.clientName,
        i18n.t(`inbox.states.${row.state}`),
        row.assignedUser?.fullName ?? '',
        row.tags.map((tag) => tag.name).join('; '),
        DateTime.fromJSDate(row.lastMessageAt).setZone(timezone).toFormat('yyyy-MM-dd HH:mm:ss'),
        row.pendingCount,
      ])
    }
    cursor = page.nextCursor
  } while (cursor)
}
