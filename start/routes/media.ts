/*
| Message media. Uploading needs chats.reply; serving a message's file asks
| ConversationAccess (the same rule as the chat list) and answers 404 to
| anyone who may not see the conversation.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const MediaController = () => import('#controllers/media_controller')

router
  .post('/media/uploads', [MediaController, 'store'])
  .as('media.uploads.store')
  .use([middleware.auth(), middleware.can(['chats.reply'])])

router
  .get('/media/messages/:id', [MediaController, 'show'])
  .as('media.messages.show')
  .where('id', router.matchers.number())
  .use(middleware.auth())
