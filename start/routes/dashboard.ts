/*
| Dashboard: the team's figures with dashboard.view, an agent's own with
| chats.view_own (the scope is decided in DashboardScope, enforced in SQL).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { DASHBOARD_PERMISSIONS } from '#services/dashboard_scope'

const DashboardController = () => import('#controllers/dashboard_controller')

router
  .group(() => {
    router.get('/dashboard', [DashboardController, 'show']).as('dashboard.show')
    router
      .get('/dashboard/:fragment', [DashboardController, 'fragment'])
      .as('dashboard.fragment')
      .where('fragment', /^(connections|workload|agents|metrics)$/)
  })
  .use([middleware.auth(), middleware.can(DASHBOARD_PERMISSIONS)])
