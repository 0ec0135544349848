/*
| Routing and availability (docs/ROUTING.md).
| - /presence: the agent's own availability (anyone who holds chats).
| - /routing: rules per connection (rules.manage); the idle limit is a
|   global setting (settings.manage as well).
| - /conversations/:id/assignment-history: as the conversation (ConversationPolicy).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const PresenceController = () => import('#controllers/presence_controller')
const RoutingController = () => import('#controllers/routing_controller')
const ConnectionRoutingController = () => import('#controllers/connection_routing_controller')
const RoutingDelegationsController = () => import('#controllers/routing_delegations_controller')
const ConversationAssignmentHistoryController = () =>
  import('#controllers/conversation_assignment_history_controller')

router
  .group(() => {
    router.get('/presence', [PresenceController, 'show']).as('presence.show')
    router.put('/presence', [PresenceController, 'update']).as('presence.update')
    router.post('/presence/heartbeat', [PresenceController, 'heartbeat']).as('presence.heartbeat')
    router
      .get('/conversations/:id/assignment-history', [
        ConversationAssignmentHistoryController,
        'show',
      ])
      .where('id', router.matchers.number())
      .as('conversations.assignment_history')
  })
  .use([middleware.auth(), middleware.can(['chats.view_own', 'chats.view_all'])])

router
  .group(() => {
    router.get('/routing', [RoutingController, 'index']).as('routing.index')
    router.put('/routing/agents', [RoutingController, 'updateLimits']).as('routing.agents.update')
    router
      .put('/routing/presence', [RoutingController, 'updateIdle'])
      .as('routing.presence.update')
      .use(middleware.can(['settings.manage']))
    router
      .group(() => {
        router
          .get('/routing/connections/:id', [ConnectionRoutingController, 'edit'])
          .as('routing.connections.edit')
        router
          .put('/routing/connections/:id', [ConnectionRoutingController, 'update'])
          .as('routing.connections.update')
        router
          .post('/routing/connections/:id/delegations', [RoutingDelegationsController, 'store'])
          .as('routing.delegations.store')
        router
          .delete('/routing/connections/:id/delegations/:delegationId', [
            RoutingDelegationsController,
            'destroy',
          ])
          .where('delegationId', router.matchers.number())
          .as('routing.delegations.destroy')
      })
      .where('id', router.matchers.number())
  })
  .use([middleware.auth(), middleware.can(['rules.manage'])])
