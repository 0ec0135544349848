import Conversation from '#models/conversation'
import Connection from '#models/connection'
import Contact from '#models/contact'
import Department from '#models/department'
import Tag from '#models/tag'
import type User from '#models/user'
import conversationSearch, { type ChatListViewer } from '#services/conversation_search'
import conversationAssigner from '#services/conversation_assigner'
import messageTimeline from '#services/message_timeline'
import { inboxQueryString, readInboxQuery } from '#services/inbox_filters'
import { whereTagVisible } from '#services/tag_visibility'

/**
 * What the inbox templates need, gathered in one place so the page, its
 * htmx fragments and the live refetches render from the same data.
 * Everything here is for an already-authorized viewer.
 */
export class InboxView {
  /** The chat list for the query string: rows, trays, the "load more" cursor. */
  async list(user: User, qs: Record<string, unknown>) {
    const viewer = await conversationSearch.viewerFor(user)
    const { input, filters } = await readInboxQuery(qs, viewer)
    const trayFilters = { ...filters, state: undefined }
    // The first page shows the trays: count them while the rows are fetched, not after.
    const counts = input.cursor ? null : conversationSearch.trayCounts(viewer, trayFilters)
    // Awaited by the template; a failure surfaces there, not as an unhandled rejection.
    counts?.catch(() => {})
    const page = await conversationSearch.list(viewer, filters, { cursor: input.cursor })
    return {
      viewer,
      input,
      rows: page.rows,
      seesAll: viewer.permissions.has('chats.view_all'),
      query: inboxQueryString(input, { cursor: undefined }),
      trayQuery: (state?: string) =>
        inboxQueryString(input, { cursor: undefined, state: state as any }),
      moreQuery: page.nextCursor ? inboxQueryString(input, { cursor: page.nextCursor }) : null,
      loadCounts: () => counts ?? conversationSearch.trayCounts(viewer, trayFilters),
      // Only the full page shows the filter form, so only it loads the choices.
      loadFacets: () => this.facets(viewer),
    }
  }

  async facets(viewer: ChatListViewer) {
    const [agents, tags, connections, departments] = await Promise.all([
      viewer.permissions.has('chats.view_all') ? conversationAssigner.assignableUsers() : [],
      whereTagVisible(Tag.query().where('is_active', true), viewer, 'tags').orderBy('name'),
      Connection.query().where('is_active', true).orderBy('name'),
      Department.query().where('is_active', true).orderBy('name'),
    ])
    return { agents, tags, connections, departments }
  }

  /** A conversation with its contact, client, labels and permissions for the viewer. */
  async conversation(user: User, found: Conversation, options: { before?: string | null } = {}) {
    const audience = { roleId: user.roleId, permissions: await user.permissions() }
    const conversation = await Conversation.query()
      .where('id', found.id)
      .preload('connection')
      .preload('department')
      .preload('assignedUser')
      .preload('tags', (tags) =>
        whereTagVisible(tags.where('tags.is_active', true), audience, 'tags').orderBy('name')
      )
      .firstOrFail()
    // The contact is loaded on its own: Conversation ↔ Contact import each other and the preload typing loops.
    const [contact, timeline, canReply, canAssign] = await Promise.all([
      Contact.query().where('id', conversation.contactId).preload('client').firstOrFail(),
      messageTimeline.page(conversation.id, { before: options.before }),
      user.can('chats.reply'),
      user.can('chats.assign'),
    ])
    return {
      conversation,
      contact,
      timeline,
      canReply,
      canResolve: canReply,
      canAssign,
      assignees: canAssign ? await conversationAssigner.assignableUsers() : [],
    }
  }

  /** The conversation for a route id, 404 when it does not exist. */
  find(id: number | string) {
    return Conversation.findOrFail(id)
  }
}

export default new InboxView()
