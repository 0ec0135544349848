import db from '@adonisjs/lucid/services/db'
import AuditLog from '#models/audit_log'
import { dayRange } from '#services/log_filters'

export interface AuditFilters {
  actor?: number
  action?: string
  from?: Date
  to?: Date
  before?: number
}

export interface AuditChange {
  key: string
  before: string
  after: string
  changed: boolean
}

function display(value: unknown) {
  if (value === undefined || value === null || value === '') return '—'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/**
 * Before/after of an entry as rows, one per key, in a stable order, each
 * marked when it changed. A creation has only `after`, an inactivation may
 * have both; keys that did not change are kept for context.
 */
export function auditChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null
): AuditChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort()
  return keys.map((key) => {
    const old = before ? before[key] : undefined
    const now = after ? after[key] : undefined
    return {
      key,
      before: display(old),
      after: display(now),
      changed: JSON.stringify(old ?? null) !== JSON.stringify(now ?? null),
    }
  })
}

/** Reads the audit trail for its page: newest first, keyset by id, with the actor preloaded. */
export class AuditSearch {
  async page(
    filters: AuditFilters,
    { timezone, perPage = 50 }: { timezone: string; perPage?: number }
  ) {
    const { start, end } = dayRange(filters.from, filters.to, timezone)
    const rows = await AuditLog.query()
      .preload('actor')
      .if(filters.actor, (query) => query.where('actor_id', filters.actor!))
      .if(filters.action, (query) => query.where('action', filters.action!))
      .if(start, (query) => query.where('created_at', '>=', start!.toJSDate()))
      .if(end, (query) => query.where('created_at', '<', end!.toJSDate()))
      .if(filters.before, (query) => query.where('id', '<', filters.before!))
      .orderBy('id', 'desc')
      .limit(perPage + 1)
    const items = rows.slice(0, perPage)
    const subjects = await this.#subjectNames(items)
    return {
      items: items.map((entry) => ({
        entry,
        subject: subjects.get(`${entry.subjectType}:${entry.subjectId}`) ?? null,
        changes: auditChanges(entry.before, entry.after),
      })),
      nextBefore: rows.length > perPage ? items[items.length - 1].id : null,
    }
  }

  /** Choices for the filter selects: every user (actors), and the actions seen so far. */
  async facets() {
    const [actors, actions] = await Promise.all([
      db.from('users').select('id', 'full_name').orderBy('full_name'),
      db.from('audit_logs').distinct('action').orderBy('action').limit(300),
    ])
    return {
      actors: actors.map((row) => ({ id: Number(row.id), name: row.full_name as string })),
      actions: actions.map((row) => row.action as string),
    }
  }

  /** Users are the subjects named most often; other subjects show their type and id. */
  async #subjectNames(items: AuditLog[]) {
    const userIds = items
      .filter(
        (entry) => entry.subjectType === 'user' && entry.subjectId && /^\d+$/.test(entry.subjectId)
      )
      .map((entry) => Number(entry.subjectId))
    const names = new Map<string, string>()
    if (!userIds.length) return names
    const users = await db
      .from('users')
      .whereIn('id', [...new Set(userIds)])
      .select('id', 'full_name')
    for (const user of users) names.set(`user:${user.id}`, user.full_name)
    return names
  }
}

export default new AuditSearch()
