/*
| Domain event listeners. The broadcaster (app/listeners/broadcast.ts) is the
| only code that talks to Transmit.
*/
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import User from '#models/user'
import { DateTime } from 'luxon'

const Broadcast = () => import('#listeners/broadcast')
const NotifyCriticalSystemEvent = () => import('#listeners/notify_critical_system_event')
const NotifyTeamWorkflow = () => import('#listeners/notify_team_workflow')

/*
| Events are emitted after the change is committed: a failing listener must
| not fail the action that already happened, so it is logged instead.
*/
emitter.onError((event, error) => {
  logger.error({ err: error, event: String(event) }, 'event listener failed')
})

emitter.on('session_auth:login_succeeded', async ({ user }) => {
  await User.query()
    .where('id', (user as User).id)
    .update({ last_login_at: DateTime.now().toSQL() })
})

emitter.on('system_event:recorded', [NotifyCriticalSystemEvent])
emitter.on('conversation:assigned', [NotifyTeamWorkflow, 'assigned'])
emitter.on('connection:status_changed', [NotifyTeamWorkflow, 'connectionLost'])

// Live signals
emitter.on('notification:created', [Broadcast, 'notificationCreated'])
emitter.on('notification:read', [Broadcast, 'notificationRead'])
emitter.on('system_event:recorded', [Broadcast, 'systemEventRecorded'])
emitter.on('conversation:message_received', [Broadcast, 'messageAdded'])
emitter.on('conversation:message_submitted', [Broadcast, 'messageAdded'])
emitter.on('conversation:message_status', [Broadcast, 'messageStatusChanged'])
emitter.on('conversation:message_updated', [Broadcast, 'messageUpdated'])
emitter.on('conversation:assigned', [Broadcast, 'conversationAssigned'])
emitter.on('conversation:resolution_changed', [Broadcast, 'conversationResolutionChanged'])
emitter.on('conversation:read', [Broadcast, 'conversationRead'])
emitter.on('conversation:tagged', [Broadcast, 'conversationTagged'])
emitter.on('contact:merged', [Broadcast, 'contactMerged'])

emitter.on('transfer:requested', [Broadcast, 'transferChanged'])
emitter.on('transfer:decided', [Broadcast, 'transferChanged'])

// Dashboard (throttled `dashboard.changed`)
const BroadcastDashboard = () => import('#listeners/broadcast_dashboard')
emitter.on('conversation:message_received', [BroadcastDashboard, 'messageChanged'])
emitter.on('conversation:message_submitted', [BroadcastDashboard, 'messageChanged'])
emitter.on('conversation:message_status', [BroadcastDashboard, 'messageStatusChanged'])
emitter.on('conversation:assigned', [BroadcastDashboard, 'conversationAssigned'])
emitter.on('conversation:resolution_changed', [BroadcastDashboard, 'conversationResolutionChanged'])
emitter.on('connection:status_changed', [BroadcastDashboard, 'connectionStatusChanged'])
emitter.on('presence:changed', [BroadcastDashboard, 'presenceChanged'])
// The dashboard's daily message counts: a message stored for a counted day recounts it.
const InvalidateDashboardVolume = () => import('#listeners/invalidate_dashboard_volume')
emitter.on('conversation:message_received', [InvalidateDashboardVolume])
emitter.on('conversation:message_imported', [InvalidateDashboardVolume])
