import db from '@adonisjs/lucid/services/db'
import { scopeSql, type DashboardScope } from '#services/dashboard_scope'
import type { DashboardRange } from '#services/dashboard_range'
import dashboardVolumeRollup from '#services/dashboard_volume_rollup'
import { DateTime } from 'luxon'

export interface DurationFigures {
  /** Chats measured (those with a first response / resolved in the range). */
  count: number
  avgSeconds: number | null
  medianSeconds: number | null
}

export interface DayFigures {
  day: string
  received: number
  sent: number
  opened: number
  resolved: number
  avgFirstResponseSeconds: number | null
  avgResolutionSeconds: number | null
}

export interface RangeMetrics {
  /** Chats opened in the range; first response measured on those answered. */
  opened: number
  firstResponse: DurationFigures
  /** Chats resolved in the range, from opening to resolution. */
  resolution: DurationFigures
  perDay: DayFigures[]
  perAgent: { userId: number; fullName: string; sent: number }[]
  perConnection: { connectionId: number; name: string; received: number; sent: number }[]
}

const INTERNAL_KINDS = ['note', 'system']

function seconds(value: unknown) {
  return value === null || value === undefined ? null : Math.round(Number(value))
}

function isoDay(value: unknown) {
  return String(value)
}

/**
 * Operational metrics over a range of days (R-DB-3): first-response and
 * resolution times (average and median), and volume per day, agent and
 * connection. Each figure is one aggregate in SQL over the rows of the
 * range only (indexes in migration 1764004200000); days are calendar days
 * in the organization's time zone.
 */
export class DashboardMetrics {
  async forRange(scope: DashboardScope, range: DashboardRange): Promise<RangeMetrics> {
    const [firstResponse, resolution, volume] = await Promise.all([
      this.#durations(scope, range, 'opened_at', 'first_response_at'),
      this.#durations(scope, range, 'resolved_at', 'resolved_at'),
      this.#volume(scope, range),
    ])
    const perDay = new Map<string, DayFigures>(
      range.days.map((day) => [
        day,
        {
          day,
          received: 0,
          sent: 0,
          opened: 0,
          resolved: 0,
          avgFirstResponseSeconds: null,
          avgResolutionSeconds: null,
        },
      ])
    )
    for (const row of firstResponse.days) {
      const entry = perDay.get(row.day)
      if (!entry) continue
      entry.opened = row.rows
      entry.avgFirstResponseSeconds = row.avg
    }
    for (const row of resolution.days) {
      const entry = perDay.get(row.day)
      if (!entry) continue
      entry.resolved = row.rows
      entry.avgResolutionSeconds = row.avg
    }
    for (const row of volume.days) {
      const entry = perDay.get(row.day)
      if (!entry) continue
      entry.received = row.received
      entry.sent = row.sent
    }
    return {
      opened: firstResponse.total.rows,
      firstResponse: {
        count: firstResponse.total.measured,
        avgSeconds: firstResponse.total.avg,
        medianSeconds: firstResponse.total.median,
      },
      resolution: {
        count: resolution.total.measured,
        avgSeconds: resolution.total.avg,
        medianSeconds: resolution.total.median,
      },
      perDay: [...perDay.values()],
      perAgent: volume.agents,
      perConnection: volume.connections,
    }
  }

  /**
   * Chats whose `dateColumn` falls in the range, per day plus a total row,
   * measuring `endColumn - opened_at`.
   */
  async #durations(
    scope: DashboardScope,
    range: DashboardRange,
    dateColumn: 'opened_at' | 'resolved_at',
    endColumn: 'first_response_at' | 'resolved_at'
  ) {
    const where = scopeSql(scope)
    // One scan; per day only counts and averages (hashed), the median once over the whole range.
    const { rows } = await db.rawQuery(
      `WITH s AS MATERIALIZED (
         SELECT (c.${dateColumn} AT TIME ZONE ?)::date AS day,
                greatest(0, extract(epoch FROM c.${endColumn} - c.opened_at)) AS secs
         FROM conversations c
         WHERE c.${dateColumn} >= ? AND c.${dateColumn} < ? AND ${where.sql}
       )
       SELECT s.day::text AS day, 0 AS is_total, count(*)::int AS rows, count(s.secs)::int AS measured,
              avg(s.secs) AS avg, NULL::float8 AS median
       FROM s GROUP BY s.day
       UNION ALL
       SELECT NULL, 1, count(*)::int, count(s.secs)::int, avg(s.secs),
              percentile_cont(0.5) WITHIN GROUP (ORDER BY s.secs)
       FROM s`,
      [scope.timezone, range.start, range.end, ...where.bindings]
    )
    const total = rows.find((row: Record<string, any>) => Number(row.is_total) === 1)
    return {
      total: {
        rows: total ? Number(total.rows) : 0,
        measured: total ? Number(total.measured) : 0,
        avg: seconds(total?.avg),
        median: seconds(total?.median),
      },
      days: rows
        .filter((row: Record<string, any>) => Number(row.is_total) === 0)
        .map((row: Record<string, any>) => ({
          day: isoDay(row.day),
          rows: Number(row.rows),
          avg: seconds(row.avg),
        })),
    }
  }

  /** Messages of the range: per day, per author (sent) and per connection. */
  async #volume(scope: DashboardScope, range: DashboardRange) {
    const { sql, bindings } =
      scope.kind === 'own'
        ? this.#ownMessages(scope.userId, range, scope.timezone)
        : await this.#teamMessages(scope, range)
    const { rows } = await db.rawQuery(
      `SELECT GROUPING(s.day) AS g_day, GROUPING(s.author_user_id) AS g_author,
              s.day::text AS day, s.author_user_id, s.connection_id,
              sum(s.received)::int AS received, sum(s.sent)::int AS sent
       FROM (${sql}) s
       GROUP BY GROUPING SETS ((s.day), (s.author_user_id), (s.connection_id))`,
      bindings
    )
    const days: { day: string; received: number; sent: number }[] = []
    const authors: { userId: number; sent: number }[] = []
    const connections: { connectionId: number; received: number; sent: number }[] = []
    for (const row of rows as Record<string, any>[]) {
      if (Number(row.g_day) === 0) {
        days.push({ day: isoDay(row.day), received: row.received, sent: row.sent })
      } else if (Number(row.g_author) === 0) {
        if (row.author_user_id === null || row.sent === 0) continue
        // An agent sees their own sending, not that of colleagues who wrote in their chats before.
        if (scope.kind === 'own' && Number(row.author_user_id) !== scope.userId) continue
        authors.push({ userId: Number(row.author_user_id), sent: row.sent })
      } else {
        connections.push({
          connectionId: Number(row.connection_id),
          received: row.received,
          sent: row.sent,
        })
      }
    }
    const names = await this.#names(
      authors.map((a) => a.userId),
      connections.map((c) => c.connectionId)
    )
    return {
      days,
      agents: authors
        .map((a) => ({ ...a, fullName: names.users.get(a.userId) ?? `#${a.userId}` }))
        .sort((a, b) => b.sent - a.sent || a.fullName.localeCompare(b.fullName)),
      connections: connections
        .map((c) => ({ ...c, name: names.connections.get(c.connectionId) ?? `#${c.connectionId}` }))
        .sort(
          (a, b) => b.received + b.sent - (a.received + a.sent) || a.name.localeCompare(b.name)
        ),
    }
  }

  /**
   * The team's messages as (day, author, connection, received, sent) rows:
   * closed days from the daily roll-up, the still open ones (today) counted
   * live on the covering index of messages.created_at.
   */
  async #teamMessages(scope: DashboardScope, range: DashboardRange) {
    const closed = dashboardVolumeRollup.closedDays(range.days, scope.timezone)
    await dashboardVolumeRollup.ensure(closed, scope.timezone)
    const open = range.days.filter((day) => !closed.includes(day))
    const liveStart = open.length
      ? DateTime.fromISO(open[0], { zone: scope.timezone }).toJSDate()
      : range.end
    return {
      sql: `SELECT v.day, v.author_user_id, v.connection_id,
                   CASE WHEN v.direction = 'in' THEN v.messages ELSE 0 END AS received,
                   CASE WHEN v.direction = 'out' THEN v.messages ELSE 0 END AS sent
            FROM dashboard_daily_volume v
            WHERE v.timezone = ? AND v.day = ANY(?::date[])
            UNION ALL
            SELECT (m.created_at AT TIME ZONE ?)::date, m.author_user_id, m.connection_id,
                   (m.direction = 'in')::int, (m.direction = 'out')::int
            FROM messages m
            WHERE m.created_at >= ? AND m.created_at < ? AND m.kind NOT IN (?, ?)`,
      bindings: [scope.timezone, closed, scope.timezone, liveStart, range.end, ...INTERNAL_KINDS],
    }
  }

  /**
   * An agent's chats are few: walk them (those active since the range's
   * start) and each one's timeline index, instead of the whole range.
   */
  #ownMessages(userId: number, range: DashboardRange, timezone: string) {
    return {
      sql: `SELECT (m.created_at AT TIME ZONE ?)::date AS day, m.author_user_id, m.connection_id,
                   (m.direction = 'in')::int AS received, (m.direction = 'out')::int AS sent
            FROM conversations c CROSS JOIN LATERAL (
              SELECT m.created_at, m.direction, m.author_user_id, m.connection_id, m.kind
              FROM messages m
              WHERE m.conversation_id = c.id AND m.created_at >= ? AND m.created_at < ?
            ) m
            WHERE c.assigned_user_id = ? AND c.last_message_at >= ? AND m.kind NOT IN (?, ?)`,
      bindings: [timezone, range.start, range.end, userId, range.start, ...INTERNAL_KINDS],
    }
  }

  async #names(userIds: number[], connectionIds: number[]) {
    const [users, connections] = await Promise.all([
      userIds.length ? db.from('users').whereIn('id', userIds).select('id', 'full_name') : [],
      connectionIds.length
        ? db.from('connections').whereIn('id', connectionIds).select('id', 'name')
        : [],
    ])
    return {
      users: new Map(users.map((u) => [Number(u.id), u.full_name as string])),
      connections: new Map(connections.map((c) => [Number(c.id), c.name as string])),
    }
  }
}

export default new DashboardMetrics()
