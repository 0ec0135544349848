/*
| Routing and availability listeners (docs/ROUTING.md). Imported by
| start/events.ts so they register with the other domain listeners.
*/
import emitter from '@adonisjs/core/services/emitter'

const RoutingListener = () => import('#listeners/routing_listener')
const BroadcastPresence = () => import('#listeners/broadcast_presence')

emitter.on('conversation:message_received', [RoutingListener, 'messageReceived'])
emitter.on('conversation:resolution_changed', [RoutingListener, 'resolutionChanged'])
emitter.on('conversation:assigned', [RoutingListener, 'assigned'])
emitter.on('presence:changed', [RoutingListener, 'presenceChanged'])
emitter.on('session_auth:login_succeeded', [RoutingListener, 'loggedIn'])
emitter.on('session_auth:logged_out', [RoutingListener, 'loggedOut'])
emitter.on('presence:changed', [BroadcastPresence, 'presenceChanged'])
