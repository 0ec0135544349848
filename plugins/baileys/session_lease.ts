import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Database } from '@adonisjs/lucid/database'

/** Who this process is in `baileys_sessions.owner`. */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`

/**
 * One owner per WhatsApp session across every Chasqui instance on the
 * database (DESIGN §6): a second socket on the same credentials makes
 * WhatsApp close both with 440 "replaced" and lets their keys diverge.
 * The owner renews the lease well before it expires; when the owner dies,
 * any instance takes it over once it expired.
 */
export class SessionLease {
  constructor(
    private db: Database,
    readonly owner: string = INSTANCE_ID,
    readonly ttlMs = 15_000
  ) {}

  /** Takes or renews the lease; true when this owner holds it now. */
  async acquire(connectionId: number): Promise<boolean> {
    const result = await this.db.rawQuery(
      `UPDATE baileys_sessions
          SET owner = ?, lease_expires_at = now() + (? * interval '1 millisecond'), updated_at = now()
        WHERE connection_id = ?
          AND (owner = ? OR owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at < now())
        RETURNING connection_id`,
      [this.owner, this.ttlMs, connectionId, this.owner]
    )
    return result.rows.length > 0
  }

  /** Lets another instance take the session at once (clean stop). */
  async release(connectionId: number) {
    await this.db
      .from('baileys_sessions')
      .where('connection_id', connectionId)
      .where('owner', this.owner)
      .update({ owner: null, lease_expires_at: null, updated_at: new Date() })
  }

  /** The current holder, when the lease is live. */
  async holder(connectionId: number): Promise<string | null> {
    const row = await this.db
      .from('baileys_sessions')
      .where('connection_id', connectionId)
      .where('lease_expires_at', '>', this.db.raw('now()'))
      .select('owner')
      .first()
    return row?.owner ?? null
  }
}
