/*
| Quick replies: list with search, create, edit, inactivate / reactivate
| (quick_replies.manage: admin and supervisor by default).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const QuickRepliesController = () => import('#controllers/quick_replies_controller')
const QuickReplyStatusController = () => import('#controllers/quick_reply_status_controller')

router
  .group(() => {
    router.get('/quick-replies', [QuickRepliesController, 'index']).as('quick_replies.index')
    router
      .get('/quick-replies/create', [QuickRepliesController, 'create'])
      .as('quick_replies.create')
    router.post('/quick-replies', [QuickRepliesController, 'store']).as('quick_replies.store')
    router
      .get('/quick-replies/:id/edit', [QuickRepliesController, 'edit'])
      .as('quick_replies.edit')
      .where('id', router.matchers.number())
    router
      .put('/quick-replies/:id', [QuickRepliesController, 'update'])
      .as('quick_replies.update')
      .where('id', router.matchers.number())
    router
      .put('/quick-replies/:id/status', [QuickReplyStatusController, 'update'])
      .as('quick_replies.status.update')
      .where('id', router.matchers.number())
  })
  .use([middleware.auth(), middleware.can(['quick_replies.manage'])])
