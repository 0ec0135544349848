/*
| The critical-events log (R-OPS-1).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const SystemEventsController = () => import('#controllers/system_events_controller')

router
  .get('/system-events', [SystemEventsController, 'index'])
  .use([middleware.auth(), middleware.can(['system_events.view'])])
  .as('system_events.index')
