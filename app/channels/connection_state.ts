import db from '@adonisjs/lucid/services/db'
import { publish } from '#events/conversation_events'
import systemEventLog from '#services/system_event_log'
import { toE164 } from '#services/phone_numbers'
import { CONNECTION_STATUSES, type ConnectionStatus } from '#models/connection'
import type { NormalizedConnectionState } from '#channels/ingest_port'
import { InvalidInboundError, loadConnection } from '#channels/ingest_support'

const DISCONNECTED: readonly ConnectionStatus[] = ['disconnected', 'logged_out']

/**
 * `ingest.connection()`: a connection's state as its plugin sees it. Stores
 * state, reason, pairing QR (only while waiting for a scan) and the times
 * it connected and was lost; emits `connection:status_changed` only when
 * something changed; logs a critical system event when a connected number
 * is lost (R-CH-7).
 */
export async function recordConnectionState(
  connectionId: number,
  input: NormalizedConnectionState,
  pluginKey: string | null
) {
  if (!CONNECTION_STATUSES.includes(input.status)) {
    throw new InvalidInboundError(`Unknown connection status "${input.status}"`)
  }
  const change = await db.transaction(async (trx) => {
    const current = await loadConnection(trx, connectionId, pluginKey, true)
    const reason = input.reason ?? null
    // The QR only lives while waiting for a scan; any other state clears it.
    const qr = input.status === 'waiting_qr' ? (input.qr ?? current.qr_code) : null
    const phone = input.phone ? toE164(input.phone) : null
    const statusChanged = current.status !== input.status
    const changed =
      statusChanged ||
      current.status_reason !== reason ||
      current.qr_code !== qr ||
      (!!phone && phone !== current.phone_e164)
    if (!changed) return null

    const now = new Date()
    const patch: Record<string, unknown> = {
      status: input.status,
      status_reason: reason,
      qr_code: qr,
      updated_at: now,
    }
    if (phone) patch.phone_e164 = phone
    if (statusChanged) patch.status_changed_at = now
    if (statusChanged && input.status === 'connected') patch.last_connected_at = now
    const lost = DISCONNECTED.includes(input.status) && !DISCONNECTED.includes(current.status)
    if (lost) patch.last_disconnected_at = now
    await trx.from('connections').where('id', connectionId).update(patch)
    return {
      previous: current.status,
      lost,
      wasConnected: current.status === 'connected',
      qrChanged: qr !== current.qr_code,
    }
  })
  if (!change) return

  await publish('connection:status_changed', {
    connectionId,
    status: input.status,
    previousStatus: change.previous,
    reason: input.reason ?? null,
    hasQr: change.qrChanged && input.status === 'waiting_qr',
  })
  // R-CH-7: losing a working number is a critical event, logged and notified to admins.
  if (change.lost && change.wasConnected) {
    await systemEventLog.record({
      level: 'critical',
      category: input.status === 'logged_out' ? 'connection.logged_out' : 'connection.lost',
      message: `Connection ${connectionId} is ${input.status}${input.reason ? `: ${input.reason}` : ''}`,
      source: pluginKey ?? 'core',
      context: { connectionId, status: input.status, reason: input.reason ?? null },
    })
  }
}
