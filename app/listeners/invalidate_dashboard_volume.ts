import type { EventsList } from '@adonisjs/core/types'
import dashboardVolumeRollup from '#services/dashboard_volume_rollup'

/**
 * A message stored for a day the dashboard already counted (a history
 * import, a delivery hours late) makes that day be counted again. Recent
 * messages cost one primary-key lookup and change nothing.
 */
export default class InvalidateDashboardVolume {
  async handle({
    messageId,
    at,
  }: EventsList['conversation:message_received'] | EventsList['conversation:message_imported']) {
    await dashboardVolumeRollup.invalidate(messageId, at)
  }
}
