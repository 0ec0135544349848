/*
| Routing and availability (docs/ROUTING.md): domain listeners, the Routing
| page's navigation entry and its routes (start/routes/routing.ts).
*/
import emitter from '@adonisjs/core/services/emitter'
import navigation from '#services/navigation'

navigation.add({
  key: 'routing',
  label: { es: 'Enrutamiento', en: 'Routing' },
  href: '/routing',
  permissions: ['rules.manage'],
  order: 72,
})

const RoutingListener = () => import('#listeners/routing_listener')
const BroadcastPresence = () => import('#listeners/broadcast_presence')

emitter.on('conversation:message_received', [RoutingListener, 'messageReceived'])
emitter.on('conversation:resolution_changed', [RoutingListener, 'resolutionChanged'])
emitter.on('conversation:assigned', [RoutingListener, 'assigned'])
emitter.on('presence:changed', [RoutingListener, 'presenceChanged'])
emitter.on('presence:changed', [BroadcastPresence, 'presenceChanged'])

import './routes/routing.js'
