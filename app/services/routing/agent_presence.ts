import db from '@adonisjs/lucid/services/db'
import { publish, type PresenceChangeReason } from '#events/routing_events'

export const PRESENCE_STATUSES = ['online', 'busy', 'offline'] as const
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number]

/** Requests closer together than this do not rewrite last_seen_at (one write per agent per half minute). */
const TOUCH_EVERY_SECONDS = 30

/**
 * Agent availability (online / busy / offline). Only `online` agents get
 * new chats from the routing rules; `busy` keeps the chats one has and
 * takes no new ones. An agent with no row has never said anything: offline.
 * An agent whose last request or heartbeat is older than the
 * organization's idle limit counts as offline even before the sweeper
 * writes it, so a closed laptop never receives chats.
 */
export class AgentPresence {
  async set(userId: number, status: PresenceStatus, reason: PresenceChangeReason) {
    const previous = await db.transaction(async (trx) => {
      const row = await trx
        .from('agent_presence')
        .where('user_id', userId)
        .forUpdate()
        .select('status')
        .first()
      const before: PresenceStatus = row?.status ?? 'offline'
      const now = new Date()
      await trx
        .knexQuery()
        .table('agent_presence')
        .insert({
          user_id: userId,
          status,
          status_changed_at: now,
          last_seen_at: status === 'offline' ? null : now,
        })
        .onConflict('user_id')
        .merge(
          before === status
            ? { last_seen_at: status === 'offline' ? null : now }
            : { status, status_changed_at: now, last_seen_at: status === 'offline' ? null : now }
        )
      return before
    })
    if (previous !== status) {
      await publish('presence:changed', { userId, status, previousStatus: previous, reason })
    }
    return { changed: previous !== status, previous }
  }

  /** A sign of life (any authenticated request, or the page's heartbeat). */
  async touch(userId: number) {
    await db.rawQuery(
      `UPDATE agent_presence SET last_seen_at = now()
        WHERE user_id = ? AND status <> 'offline'
          AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => ?))`,
      [userId, TOUCH_EVERY_SECONDS]
    )
  }

  /** The availability routing and the UI see (idle counts as offline). */
  async statusOf(userId: number): Promise<PresenceStatus> {
    const row = await db
      .from('agent_presence as p')
      .where('p.user_id', userId)
      .select(
        db.raw(
          `CASE WHEN p.status <> 'offline' AND (p.last_seen_at IS NULL OR p.last_seen_at < now() - make_interval(mins => ${IDLE_MINUTES_SQL}))
                THEN 'offline' ELSE p.status END AS status`
        )
      )
      .first()
    return (row?.status as PresenceStatus) ?? 'offline'
  }

  /** Writes `offline` for agents idle past the limit; returns how many. */
  async sweepIdle() {
    const result = await db.rawQuery(
      `WITH stale AS (
         SELECT user_id, status FROM agent_presence
          WHERE status <> 'offline'
            AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(mins => ${IDLE_MINUTES_SQL}))
          FOR UPDATE SKIP LOCKED
       )
       UPDATE agent_presence p SET status = 'offline', status_changed_at = now(), last_seen_at = NULL
         FROM stale WHERE p.user_id = stale.user_id
       RETURNING p.user_id, stale.status AS previous`
    )
    for (const row of result.rows) {
      await publish('presence:changed', {
        userId: Number(row.user_id),
        status: 'offline',
        previousStatus: row.previous,
        reason: 'idle',
      })
    }
    return result.rows.length as number
  }

  async idleMinutes() {
    const row = await db.from('organizations').orderBy('id').select('presence_idle_minutes').first()
    return Number(row?.presence_idle_minutes ?? DEFAULT_IDLE_MINUTES)
  }
}

export const DEFAULT_IDLE_MINUTES = 15

/** The organization's idle limit inside SQL, so every query agrees with the setting of the moment. */
export const IDLE_MINUTES_SQL = `COALESCE((SELECT presence_idle_minutes FROM organizations ORDER BY id LIMIT 1), ${DEFAULT_IDLE_MINUTES})`

export default new AgentPresence()
