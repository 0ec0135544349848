/*
| Connections page: viewing the state of every connection needs
| connections.operate or connections.manage; editing a connection's own
| settings (messages, hours, department, agents) needs connections.manage.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ConnectionsController = () => import('#controllers/connections_controller')
const ConnectionSettingsController = () => import('#controllers/connection_settings_controller')

router
  .group(() => {
    router
      .get('/connections', [ConnectionsController, 'index'])
      .as('connections.index')
      .use(middleware.can(['connections.operate', 'connections.manage']))

    router
      .group(() => {
        router
          .get('/connections/:id/edit', [ConnectionSettingsController, 'edit'])
          .as('connections.edit')
        router
          .put('/connections/:id', [ConnectionSettingsController, 'update'])
          .as('connections.update')
      })
      .where('id', router.matchers.number())
      .use(middleware.can(['connections.manage']))
  })
  .use(middleware.auth())
