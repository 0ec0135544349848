/*
| Notifications behind the bell: every logged-in user, their own only.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const NotificationsController = () => import('#controllers/notifications_controller')
const NotificationReadsController = () => import('#controllers/notification_reads_controller')
const NotificationBellController = () => import('#controllers/notification_bell_controller')

router
  .group(() => {
    router.get('/notifications', [NotificationsController, 'index']).as('notifications.index')
    router.get('/notifications/bell', [NotificationBellController, 'show']).as('notifications.bell')
    router
      .post('/notifications/read', [NotificationReadsController, 'storeAll'])
      .as('notifications.read_all')
    router
      .get('/notifications/:id', [NotificationsController, 'show'])
      .where('id', router.matchers.number())
      .as('notifications.show')
    router
      .post('/notifications/:id/read', [NotificationReadsController, 'store'])
      .where('id', router.matchers.number())
      .as('notifications.read')
  })
  .use(middleware.auth())
