import type { Infer } from '@vinejs/vine/types'
import type { ChatListFilters, ChatListViewer } from '#services/conversation_search'
import { inboxFiltersValidator } from '#validators/inbox_validator'

export type InboxQuery = Infer<typeof inboxFiltersValidator>

/**
 * The chat list's query string → validated input and search filters. Empty
 * fields (a form submitted with "any") are dropped; the agent filter only
 * counts for viewers who see every chat (an agent's list is theirs anyway).
 */
export async function readInboxQuery(qs: Record<string, unknown>, viewer: ChatListViewer) {
  const present = Object.fromEntries(
    Object.entries(qs).filter(([, value]) => value !== '' && value !== null && value !== undefined)
  )
  const input: InboxQuery = await inboxFiltersValidator.validate(present)
  const filters: ChatListFilters = {
    state: input.state,
    search: input.q,
    tagIds: input.tag ? [input.tag] : undefined,
    connectionId: input.connection,
    departmentId: input.department,
  }
  if (input.agent && viewer.permissions.has('chats.view_all')) {
    filters.assignedUserId = input.agent === 'none' ? 'none' : Number(input.agent)
  }
  return { input, filters }
}

/** The query string of the list for the given input (links, refetch URLs, "load more"). */
export function inboxQueryString(input: Partial<InboxQuery>, overrides: Partial<InboxQuery> = {}) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...input, ...overrides })) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  return params.toString()
}
