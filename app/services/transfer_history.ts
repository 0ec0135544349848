import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import { dayRange } from '#services/log_filters'

export const TRANSFER_STATES = ['pending', 'approved', 'denied', 'cancelled'] as const
export type TransferState = (typeof TRANSFER_STATES)[number]

export interface TransferHistoryViewer {
  id: number
  permissions: ReadonlySet<string>
}

export interface TransferHistoryFilters {
  state?: TransferState
  /** Transfers this user requested, held, received or decided. */
  agent?: number
  from?: Date
  to?: Date
  conversation?: number
  /** One transfer by id (its own page). */
  only?: number
  /** Keyset cursor: the last id of the previous page. */
  before?: number
}

export interface TransferRow {
  id: number
  kind: 'request' | 'direct'
  state: TransferState
  conversationId: number
  contact: string
  requester: string | null
  fromAgent: string | null
  targetUser: string | null
  targetDepartment: string | null
  decider: string | null
  reason: string
  decisionNote: string | null
  createdAt: DateTime
  decidedAt: DateTime | null
}

/** Rows per round trip while streaming the CSV: memory stays flat whatever the range. */
const EXPORT_BATCH = 500

/**
 * The transfer history (R-TR-4) for its page and its CSV: the same query,
 * the same filters and the same scope. Viewers who see every chat see every
 * transfer; anyone else only the transfers they requested, held, received
 * or decided.
 */
export class TransferHistory {
  async page(
    viewer: TransferHistoryViewer,
    filters: TransferHistoryFilters,
    { timezone, perPage = 50 }: { timezone: string; perPage?: number }
  ) {
    const rows = await this.#query(viewer, filters, timezone)
      .if(filters.before, (query) => query.where('tr.id', '<', filters.before!))
      .limit(perPage + 1)
    const items = rows.slice(0, perPage).map(toRow)
    return { items, nextBefore: rows.length > perPage ? items[items.length - 1].id : null }
  }

  /** Every matching row, newest first, fetched in keyset batches. */
  async *all(viewer: TransferHistoryViewer, filters: TransferHistoryFilters, timezone: string) {
    let before = filters.before
    while (true) {
      const rows = await this.#query(viewer, filters, timezone)
        .if(before, (query) => query.where('tr.id', '<', before!))
        .limit(EXPORT_BATCH)
      for (const row of rows) yield toRow(row)
      if (rows.length < EXPORT_BATCH) return
      before = Number(rows[rows.length - 1].id)
    }
  }

  /** The people a filter can name: whoever appears in a transfer the viewer may see. */
  async agents(viewer: TransferHistoryViewer) {
    const query = db.from('users').orderBy('full_name').select('id', 'full_name')
    if (!viewer.permissions.has('chats.view_all')) query.where('id', viewer.id)
    return query
  }

  #query(viewer: TransferHistoryViewer, filters: TransferHistoryFilters, timezone: string) {
    const { start, end } = dayRange(filters.from, filters.to, timezone)
    const query = db
      .from('transfer_requests as tr')
      .join('conversations as c', 'c.id', 'tr.conversation_id')
      .join('contacts as ct', 'ct.id', 'c.contact_id')
      .leftJoin('users as req', 'req.id', 'tr.requested_by')
      .leftJoin('users as frm', 'frm.id', 'tr.from_user_id')
      .leftJoin('users as tu', 'tu.id', 'tr.target_user_id')
      .leftJoin('departments as td', 'td.id', 'tr.target_department_id')
      .leftJoin('users as dec', 'dec.id', 'tr.decided_by')
      .select(
        'tr.id',
        'tr.kind',
        'tr.state',
        'tr.conversation_id',
        'tr.reason',
        'tr.decision_note',
        'tr.created_at',
        'tr.decided_at',
        'req.full_name as requester',
        'frm.full_name as from_agent',
        'tu.full_name as target_user',
        'td.name as target_department',
        'dec.full_name as decider'
      )
      .select(
        db.raw("coalesce(ct.display_name, ct.profile_name, ct.phone_e164, '#' || ct.id) AS contact")
      )
      .orderBy('tr.id', 'desc')
    this.#scope(query, viewer)
    if (filters.state) query.where('tr.state', filters.state)
    if (filters.conversation) query.where('tr.conversation_id', filters.conversation)
    if (filters.only) query.where('tr.id', filters.only)
    if (filters.agent) {
      const agent = filters.agent
      query.where((anyRole) => {
        anyRole
          .where('tr.requested_by', agent)
          .orWhere('tr.from_user_id', agent)
          .orWhere('tr.target_user_id', agent)
          .orWhere('tr.decided_by', agent)
      })
    }
    if (start) query.where('tr.created_at', '>=', start.toJSDate())
    if (end) query.where('tr.created_at', '<', end.toJSDate())
    return query
  }

  #scope(query: DatabaseQueryBuilderContract, viewer: TransferHistoryViewer) {
    if (viewer.permissions.has('chats.view_all')) return
    query.where((own) => {
      own
        .where('tr.requested_by', viewer.id)
        .orWhere('tr.from_user_id', viewer.id)
        .orWhere('tr.target_user_id', viewer.id)
        .orWhere('tr.decided_by', viewer.id)
    })
  }
}

function toDateTime(value: Date | string | null) {
  if (!value) return null
  return DateTime.fromJSDate(value instanceof Date ? value : new Date(value))
}

function toRow(row: Record<string, any>): TransferRow {
  return {
    id: Number(row.id),
    kind: row.kind,
    state: row.state,
    conversationId: Number(row.conversation_id),
    contact: row.contact,
    requester: row.requester ?? null,
    fromAgent: row.from_agent ?? null,
    targetUser: row.target_user ?? null,
    targetDepartment: row.target_department ?? null,
    decider: row.decider ?? null,
    reason: row.reason,
    decisionNote: row.decision_note ?? null,
    createdAt: toDateTime(row.created_at)!,
    decidedAt: toDateTime(row.decided_at),
  }
}

export default new TransferHistory()
