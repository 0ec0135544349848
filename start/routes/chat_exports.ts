/*
| The chat list as CSV (the inbox's filters, the viewer's isolation and tag visibility).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ChatExportsController = () => import('#controllers/chat_exports_controller')

router
  .get('/inbox/export.csv', [ChatExportsController, 'show'])
  .as('inbox.export')
  .use([middleware.auth(), middleware.can(['chats.view_own', 'chats.view_all'])])
