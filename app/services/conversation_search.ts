import db from '@adonisjs/lucid/services/db'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type { ConversationState } from '#models/conversation'
import type User from '#models/user'
import type { MessageDirection, MessageKind } from '#models/message'
import { digitsOnly } from '#services/phone_numbers'
import { whereTagVisible } from '#services/tag_visibility'

/** Who is looking: what they may see is decided in the query, from these. */
export interface ChatListViewer {
  id: number
  roleId?: number | null
  permissions: ReadonlySet<string>
}

export interface ChatListFilters {
  state?: ConversationState | ConversationState[]
  /** A user id, or 'none' for unassigned chats. */
  assignedUserId?: number | 'none'
  /** Chats carrying any of these tags. */
  tagIds?: number[]
  connectionId?: number
  departmentId?: number
  /** A name fragment (accent- and case-insensitive) or a phone fragment in any format. */
  search?: string
}

export interface ChatListRow {
  id: number
  state: ConversationState
  connectionId: number
  departmentId: number | null
  lastMessageAt: Date
  lastMessagePreview: string | null
  lastMessageKind: MessageKind | 'deleted' | null
  lastMessageDirection: MessageDirection | null
  lastInboundAt: Date | null
  unreadCount: number
  pendingCount: number
  contact: {
    id: number
    name: string
    phoneE164: string | null
    profilePhotoUrl: string | null
    profilePhotoPath: string | null
    clientName: string | null
  }
  assignedUser: { id: number; fullName: string } | null
  /** Inactive tags stay on the chats that carry them (shown dimmed), they are only no longer offered. */
  tags: { id: number; name: string; color: string; isActive: boolean }[]
}

export interface ChatListPage {
  rows: ChatListRow[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export type TrayCounts = Record<ConversationState, number> & {
  /** Customer messages waiting for an answer in open chats (R-MSG-3, the global counter). */
  pendingMessages: number
}

/** Tray counts stop here; the view shows "999+" above it. */
export const TRAY_COUNT_CAP = 999
const PHONE_LIKE = /^[\d\s+\-().]+$/
/** Above this many matching clients, a name search tests clients row by row instead of by id list. */
const CLIENT_IDS_LIMIT = 200

/**
 * The chat list (R-CT-1..5): newest activity first, keyset-paginated on
 * (last_message_at, id) so pages stay stable while new messages arrive,
 * filtered and searched in SQL.
 *
 * Isolation is part of the query, never a filter on the results: a viewer
 * without `chats.view_all` only ever reads conversations assigned to them
 * (R-US-4), and one without `chats.view_own` reads nothing.
 */
export class ConversationSearch {
  /** The viewer for a signed-in user: their id, role and permission set. */
  async viewerFor(user: User): Promise<ChatListViewer> {
    return { id: user.id, roleId: user.roleId, permissions: await user.permissions() }
  }

  async list(
    viewer: ChatListViewer,
    filters: ChatListFilters = {},
    page: { cursor?: string | null; limit?: number } = {}
  ): Promise<ChatListPage> {
    const limit = Math.min(Math.max(page.limit ?? 30, 1), 100)
    const query = db
      .from('conversations as c')
      .join('contacts as ct', 'ct.id', 'c.contact_id')
      .leftJoin('clients as cl', 'cl.id', 'ct.client_id')
      .leftJoin('users as u', 'u.id', 'c.assigned_user_id')
      .select(
        'c.id',
        'c.state',
        'c.connection_id',
        'c.department_id',
        'c.last_message_at',
        'c.last_message_preview',
        'c.last_message_kind',
        'c.last_message_direction',
        'c.last_inbound_at',
        'c.unread_count',
        'c.pending_count',
        'c.contact_id',
        'c.assigned_user_id',
        'ct.display_name',
        'ct.profile_name',
        'ct.phone_e164',
        'ct.username',
        'ct.profile_photo_url',
        'ct.profile_photo_path',
        'cl.holder_name',
        'u.full_name as assigned_full_name'
      )
      // Microsecond-exact text: a JS Date would round the cursor to milliseconds and skip rows.
      .select(
        db.raw(
          `to_char(c.last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`
        )
      )
    this.#scope(query, viewer)
    this.#filter(query, filters, viewer, true)
    await this.#search(query, filters.search, true)

    const cursor = decodeCursor(page.cursor)
    if (cursor)
      query.whereRaw('(c.last_message_at, c.id) < (CAST(? AS timestamptz), ?)', [
        cursor.at,
        cursor.id,
      ])
    query.orderBy([
      { column: 'c.last_message_at', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ])
    query.limit(limit + 1)

    const found = await query
    const more = found.length > limit
    const rows = found.slice(0, limit)
    const tags = await this.#tagsOf(
      rows.map((row) => Number(row.id)),
      viewer
    )
    const last = rows.at(-1)
    return {
      rows: rows.map((row) => toRow(row, tags.get(Number(row.id)) ?? [])),
      nextCursor: more && last ? encodeCursor(last.cursor_at, Number(last.id)) : null,
    }
  }

  /**
   * Counts per tray with the same isolation and filters (the state filter
   * aside). Without a search each tray is counted up to TRAY_COUNT_CAP + 1
   * rows only: an exact count of every resolved chat grows with the
   * install's whole history (~20 ms per page at 100k chats); a capped one
   * stops early on the tray's index (the view shows "999+"), and the
   * pending-message sum reads only open chats waiting for an answer. A
   * search's matches are counted exactly, in one grouped pass.
   */
  async trayCounts(
    viewer: ChatListViewer,
    filters: Omit<ChatListFilters, 'state'> = {}
  ): Promise<TrayCounts> {
    const search = await this.#matcher(filters.search, false)
    const base = () => {
      const query = db.from('conversations as c')
      this.#scope(query, viewer)
      this.#filter(query, filters, viewer, false)
      if (search) {
        query.join('contacts as ct', 'ct.id', 'c.contact_id')
        search(query)
      }
      return query
    }
    const counts: TrayCounts = {
      new: 0,
      pending: 0,
      in_progress: 0,
      resolved: 0,
      pendingMessages: 0,
    }
    if (search) {
      // The matches of a search are few enough to count exactly in one pass.
      const rows = await base()
        .groupBy('c.state')
        .select('c.state')
        .select(db.raw('count(*)::int AS total'))
        .select(db.raw('coalesce(sum(c.pending_count), 0)::int AS pending'))
      for (const row of rows) {
        counts[row.state as ConversationState] = Number(row.total)
        if (row.state !== 'resolved') counts.pendingMessages += Number(row.pending)
      }
      return counts
    }
    const states: ConversationState[] = ['new', 'pending', 'in_progress', 'resolved']
    const counted = db.query()
    for (const state of states) {
      const tray = base()
        .where('c.state', state)
        .limit(TRAY_COUNT_CAP + 1)
        .select(db.raw('1'))
      counted.select(db.from(tray.as('s')).select(db.raw('count(*)::int')).as(state))
    }
    const pending = base()
      .whereNot('c.state', 'resolved')
      .where('c.pending_count', '>', 0)
      .select(db.raw('coalesce(sum(c.pending_count), 0)::int'))
    counted.select(pending.as('pending_messages'))
    const row = (await counted.first())!
    for (const state of states) counts[state] = Number(row[state])
    counts.pendingMessages = Number(row.pending_messages)
    return counts
  }

  /** Customer messages waiting for an answer in the chats the viewer sees (the header's counter). */
  async pendingMessages(viewer: ChatListViewer): Promise<number> {
    const row = await this.pendingMessagesQuery(viewer).first()
    return Number(row?.total ?? 0)
  }

  /** The sum as a one-row query (`total`), for the layout to read with its other counters. */
  pendingMessagesQuery(viewer: ChatListViewer) {
    const query = db
      .from('conversations as c')
      .whereNot('c.state', 'resolved')
      .where('c.pending_count', '>', 0)
    this.#scope(query, viewer)
    return query.select(db.raw('coalesce(sum(c.pending_count), 0)::int AS total'))
  }

  #scope(query: DatabaseQueryBuilderContract, viewer: ChatListViewer) {
    if (viewer.permissions.has('chats.view_all')) return
    if (viewer.permissions.has('chats.view_own')) {
      query.where('c.assigned_user_id', viewer.id)
      return
    }
    query.whereRaw('false')
  }

  #filter(
    query: DatabaseQueryBuilderContract,
    filters: ChatListFilters,
    viewer: ChatListViewer,
    withState: boolean
  ) {
    if (withState && filters.state) {
      const states = Array.isArray(filters.state) ? filters.state : [filters.state]
      if (states.length === 1) query.where('c.state', states[0])
      else if (states.length) query.whereIn('c.state', states)
    }
    if (filters.assignedUserId === 'none') query.whereNull('c.assigned_user_id')
    else if (filters.assignedUserId) query.where('c.assigned_user_id', filters.assignedUserId)
    if (filters.connectionId) query.where('c.connection_id', filters.connectionId)
    if (filters.departmentId) query.where('c.department_id', filters.departmentId)
    if (filters.tagIds?.length) {
      // A hidden tag filters to nothing: its id must not reveal which chats carry it.
      query.whereExists((sub) =>
        whereTagVisible(
          sub
            .from('conversation_tags as ctg')
            .join('tags as t', 't.id', 'ctg.tag_id')
            .whereRaw('ctg.conversation_id = c.id')
            .whereIn('ctg.tag_id', filters.tagIds!),
          viewer
        )
      )
    }
  }

  /**
   * Narrows to chats whose contact matches the term (`ct` is the joined contact):
   * - phone-like terms match the digits-only phone column in any format
   *   ("099 123", "+593 99 123" and "593-99-123" all find +593991234567;
   *   leading zeros, a national trunk prefix or an international "00", are
   *   dropped since E.164 digits never keep them);
   * - anything else matches the contact's names, lower-cased and without
   *   accents on both sides ("jose" finds "José"), or its client's holder name.
   * The condition sits on the joined contact itself (not an IN list) so the
   * planner can choose per term: the trigram index for a rare fragment, or
   * walking the chat list in order and stopping at the page size for a common one.
   */
  async #search(
    query: DatabaseQueryBuilderContract,
    raw: string | undefined,
    joinsClients: boolean
  ) {
    const apply = await this.#matcher(raw, joinsClients)
    apply?.(query)
  }

  /** The search condition for a term, ready to apply to any number of queries (null: no term). */
  async #matcher(raw: string | undefined, joinsClients: boolean) {
    const term = raw?.trim()
    if (!term) return null
    if (PHONE_LIKE.test(term) && /\d/.test(term)) {
      const digits = digitsOnly(term).replace(/^0+/, '') || '0'
      return (query: DatabaseQueryBuilderContract) => {
        query.where('ct.phone_digits', 'like', `%${digits}%`)
      }
    }
    const pattern = `%${escapeLike(normalizeText(term))}%`
    const like = "LIKE f_unaccent(lower(?)) ESCAPE '\\'"
    // A rare fragment matches few clients: their ids keep the client branch an index lookup. A common
    // one matches many: then test each listed chat's client instead (the page fills up quickly).
    const clients = await db
      .from('clients')
      .whereRaw(`search_name ${like}`, [pattern])
      .limit(CLIENT_IDS_LIMIT + 1)
      .select('id')
    const commonInClients = clients.length > CLIENT_IDS_LIMIT
    const clientIds = clients.map((client) => Number(client.id))
    return (query: DatabaseQueryBuilderContract) => {
      if (commonInClients && !joinsClients) query.leftJoin('clients as cl', 'cl.id', 'ct.client_id')
      query.where((match) => {
        match.whereRaw(`ct.search_name ${like}`, [pattern])
        if (commonInClients) match.orWhereRaw(`cl.search_name ${like}`, [pattern])
        else if (clientIds.length) match.orWhereIn('ct.client_id', clientIds)
      })
    }
  }

  /** Tags of the listed chats that the viewer's role may see (R-TG-3), inactive ones included. */
  async #tagsOf(conversationIds: number[], viewer: ChatListViewer) {
    const byConversation = new Map<number, ChatListRow['tags']>()
    if (!conversationIds.length) return byConversation
    const query = db
      .from('conversation_tags as ctg')
      .join('tags as t', 't.id', 'ctg.tag_id')
      .whereIn('ctg.conversation_id', conversationIds)
      .orderBy('t.name')
      .select('ctg.conversation_id', 't.id', 't.name', 't.color', 't.is_active')
    whereTagVisible(query, viewer)
    for (const row of await query) {
      const id = Number(row.conversation_id)
      byConversation.set(id, [
        ...(byConversation.get(id) ?? []),
        { id: Number(row.id), name: row.name, color: row.color, isActive: row.is_active === true },
      ])
    }
    return byConversation
  }
}

/** Lower case without diacritics, as f_unaccent(lower(…)) stores it. */
function normalizeText(text: string) {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
}

function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

function encodeCursor(at: string, id: number) {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

function decodeCursor(cursor?: string | null): { at: string; id: number } | null {
  if (!cursor) return null
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (typeof at !== 'string' || !Number.isInteger(id) || Number.isNaN(Date.parse(at))) return null
    return { at, id }
  } catch {
    // A tampered or stale cursor restarts from the first page rather than failing the list.
    return null
  }
}

function toRow(row: Record<string, any>, tags: ChatListRow['tags']): ChatListRow {
  return {
    id: Number(row.id),
    state: row.state,
    connectionId: Number(row.connection_id),
    departmentId: row.department_id === null ? null : Number(row.department_id),
    lastMessageAt: new Date(row.last_message_at),
    lastMessagePreview: row.last_message_preview,
    lastMessageKind: row.last_message_kind,
    lastMessageDirection: row.last_message_direction,
    lastInboundAt: row.last_inbound_at ? new Date(row.last_inbound_at) : null,
    unreadCount: Number(row.unread_count),
    pendingCount: Number(row.pending_count),
    contact: {
      id: Number(row.contact_id),
      name:
        row.display_name ||
        row.profile_name ||
        row.phone_e164 ||
        row.username ||
        `#${row.contact_id}`,
      phoneE164: row.phone_e164,
      profilePhotoUrl: row.profile_photo_url,
      profilePhotoPath: row.profile_photo_path,
      clientName: row.holder_name ?? null,
    },
    assignedUser: row.assigned_user_id
      ? { id: Number(row.assigned_user_id), fullName: row.assigned_full_name }
      : null,
    tags,
  }
}

export default new ConversationSearch()
