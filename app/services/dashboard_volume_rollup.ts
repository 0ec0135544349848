import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'

/** A day is counted once it ended this long ago: late deliveries of its last minutes still land. */
export const ROLLUP_GRACE_MINUTES = 60

const INTERNAL_KINDS = ['note', 'system']
const LOCK_KEY = 'chasqui:dashboard_volume_rollup'

/**
 * Message volume of closed days, counted once per day and time zone into
 * `dashboard_daily_volume` (migration 1764004200200). The dashboard asks
 * `closedDays()` which days of its range may come from here, `ensure()`s
 * them (counting the missing ones in one scan), and counts only the still
 * open days live. A message stored later for a counted day (history import,
 * a delivery hours late) calls `invalidate()`, and that day is counted
 * again on the next request.
 */
export class DashboardVolumeRollup {
  /** The days of `days` (YYYY-MM-DD) that ended more than the grace period ago. */
  closedDays(days: string[], timezone: string, now = DateTime.now()) {
    return days.filter((day) => {
      const end = DateTime.fromISO(day, { zone: timezone }).plus({ days: 1 })
      return end.plus({ minutes: ROLLUP_GRACE_MINUTES }) <= now
    })
  }

  async ensure(days: string[], timezone: string) {
    if (!days.length) return
    if (!(await this.#missing(db, days, timezone)).length) return
    await db.transaction(async (trx) => {
      // One counter at a time: two first visitors must not count the same day twice.
      await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtext(?))', [LOCK_KEY])
      const missing = await this.#missing(trx, days, timezone)
      if (!missing.length) return
      const first = DateTime.fromISO(missing[0], { zone: timezone }).toJSDate()
      const last = DateTime.fromISO(missing[missing.length - 1], { zone: timezone })
        .plus({ days: 1 })
        .toJSDate()
      await trx.rawQuery(
        'DELETE FROM dashboard_daily_volume WHERE timezone = ? AND day = ANY(?::date[])',
        [timezone, missing]
      )
      await trx.rawQuery(
        `INSERT INTO dashboard_daily_volume (timezone, day, connection_id, author_user_id, direction, messages)
         SELECT ?, s.day, s.connection_id, s.author_user_id, s.direction, count(*)
         FROM (
           SELECT (m.created_at AT TIME ZONE ?)::date AS day, m.connection_id, m.author_user_id, m.direction
           FROM messages m
           WHERE m.created_at >= ? AND m.created_at < ? AND m.kind NOT IN (?, ?)
         ) s
         WHERE s.day = ANY(?::date[])
         GROUP BY s.day, s.connection_id, s.author_user_id, s.direction`,
        [timezone, timezone, first, last, ...INTERNAL_KINDS, missing]
      )
      await trx.rawQuery(
        `INSERT INTO dashboard_volume_days (timezone, day, computed_at)
         SELECT ?, d, now() FROM unnest(?::date[]) d`,
        [timezone, missing]
      )
    })
  }

  /**
   * A message was stored for a day that may already be counted: forget the
   * days around it (±1 covers every time zone), unless it is recent.
   */
  async invalidate(messageId: number, at?: Date) {
    // Within the grace period no day of it is counted yet: nothing to read (the common case).
    if (at && at.getTime() > Date.now() - ROLLUP_GRACE_MINUTES * 60_000) return
    await db.rawQuery(
      `DELETE FROM dashboard_volume_days d USING messages m
       WHERE m.id = ? AND m.created_at < now() - make_interval(mins => ?)
         AND d.day BETWEEN (m.created_at AT TIME ZONE 'UTC')::date - 1 AND (m.created_at AT TIME ZONE 'UTC')::date + 1`,
      [messageId, ROLLUP_GRACE_MINUTES]
    )
  }

  async #missing(client: Pick<typeof db, 'rawQuery'>, days: string[], timezone: string) {
    const { rows } = await client.rawQuery(
      'SELECT day::text AS day FROM dashboard_volume_days WHERE timezone = ? AND day = ANY(?::date[])',
      [timezone, days]
    )
    const counted = new Set(rows.map((row: { day: string }) => row.day))
    return days.filter((day) => !counted.has(day)).sort()
  }
}

export default new DashboardVolumeRollup()
