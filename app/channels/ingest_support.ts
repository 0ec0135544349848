/*
| Shared by the ingest port's recorders: refusals, the connection lookup
| (scoped to the reporting plugin) and the retry of transactions that lost
| a race.
*/
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { ConnectionStatus } from '#models/connection'

export class UnknownConnectionError extends Error {
  constructor(connectionId: number, pluginKey: string | null) {
    super(
      pluginKey
        ? `Connection ${connectionId} does not exist or does not belong to plugin "${pluginKey}"`
        : `Connection ${connectionId} does not exist`
    )
  }
}

export class InvalidInboundError extends Error {}

export interface ConnectionRow {
  id: number
  plugin_key: string
  status: ConnectionStatus
  status_reason: string | null
  qr_code: string | null
  phone_e164: string | null
  default_department_id: number | null
}

/** PostgreSQL errors a fresh attempt resolves: unique races, serialization failures, deadlocks. */
const RETRYABLE_SQLSTATES = new Set(['23505', '40001', '40P01'])

/**
 * Runs a whole transaction again when it lost a race to a concurrent one
 * (two deliveries creating the same contact or conversation): the next try
 * sees the winner's committed rows and takes the normal path.
 */
export async function withRetries<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt >= attempts || !code || !RETRYABLE_SQLSTATES.has(code)) throw error
    }
  }
}

/** The reporting connection; with a plugin key, only if that plugin owns it. */
export async function loadConnection(
  trx: TransactionClientContract,
  connectionId: number,
  pluginKey: string | null,
  lock = false
): Promise<ConnectionRow> {
  const query = trx.from('connections').where('id', connectionId)
  if (pluginKey) query.where('plugin_key', pluginKey)
  if (lock) query.forUpdate()
  const row = await query
    .select(
      'id',
      'plugin_key',
      'status',
      'status_reason',
      'qr_code',
      'phone_e164',
      'default_department_id'
    )
    .first()
  if (!row) throw new UnknownConnectionError(connectionId, pluginKey)
  return row as ConnectionRow
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}
