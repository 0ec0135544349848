import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

export interface AuditEntry {
  actorId: number | null
  action: string
  subjectType: string
  subjectId?: string | number | null
  before?: Record<string, unknown> | null
  after?: Record<string, unknown> | null
  ip?: string | null
}

/** Fields that never go into the audit trail. */
const REDACTED = new Set(['password', 'secrets', 'rememberMeToken'])

function redact(record?: Record<string, unknown> | null) {
  if (!record) return null
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, REDACTED.has(key) ? '[redacted]' : value])
  )
}

/**
 * Who did what, when, with before/after (R-OPS-5). Written in the caller's
 * transaction so an audited change and its entry land together or not at all.
 */
export class AuditTrail {
  async record(entry: AuditEntry, client?: TransactionClientContract) {
    const query = (client ?? db).insertQuery().table('audit_logs')
    await query.insert({
      actor_id: entry.actorId,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id:
        entry.subjectId === undefined || entry.subjectId === null ? null : String(entry.subjectId),
      before: entry.before ? JSON.stringify(redact(entry.before)) : null,
      after: entry.after ? JSON.stringify(redact(entry.after)) : null,
      ip: entry.ip ?? null,
      created_at: new Date(),
    })
  }
}

export default new AuditTrail()
