import db from '@adonisjs/lucid/services/db'
import SystemEvent from '#models/system_event'
import { dayRange } from '#services/log_filters'

export interface SystemEventFilters {
  level?: 'info' | 'warning' | 'critical'
  category?: string
  source?: string
  q?: string
  from?: Date
  to?: Date
  before?: number
}

/** `%`, `_` and `\` typed by a user are literal characters, not patterns. */
export function likePattern(text: string) {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/** Reads the critical-events log for its page: newest first, keyset by id. */
export class SystemEventSearch {
  async page(
    filters: SystemEventFilters,
    { timezone, perPage = 50 }: { timezone: string; perPage?: number }
  ) {
    const { start, end } = dayRange(filters.from, filters.to, timezone)
    const rows = await SystemEvent.query()
      .if(filters.level, (query) => query.where('level', filters.level!))
      .if(filters.category, (query) => query.where('category', filters.category!))
      .if(filters.source, (query) => query.where('source', filters.source!))
      .if(filters.q, (query) => {
        const pattern = likePattern(filters.q!)
        query.where((text) => {
          text
            .whereILike('message', pattern)
            .orWhereILike('category', pattern)
            .orWhereILike('source', pattern)
        })
      })
      .if(start, (query) => query.where('created_at', '>=', start!.toJSDate()))
      .if(end, (query) => query.where('created_at', '<', end!.toJSDate()))
      .if(filters.before, (query) => query.where('id', '<', filters.before!))
      .orderBy('id', 'desc')
      .limit(perPage + 1)
    const items = rows.slice(0, perPage)
    return { items, nextBefore: rows.length > perPage ? items[items.length - 1].id : null }
  }

  /** Choices for the filter selects. */
  async facets() {
    const [categories, sources] = await Promise.all([
      db.from('system_events').distinct('category').orderBy('category').limit(200),
      db.from('system_events').distinct('source').orderBy('source').limit(200),
    ])
    return {
      categories: categories.map((row) => row.category as string),
      sources: sources.map((row) => row.source as string),
    }
  }
}

export default new SystemEventSearch()
