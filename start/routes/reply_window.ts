/*
| The customer-service window in the composer (R-MSG-8). Like every inbox
| route: logged in, a chats permission, and ConversationPolicy per chat.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ConversationTemplatesController = () =>
  import('#controllers/conversation_templates_controller')

router
  .group(() => {
    router
      .get('/inbox/conversations/:id/reply-window', [ConversationTemplatesController, 'show'])
      .as('inbox.conversations.reply_window')
    router
      .post('/inbox/conversations/:id/templates', [ConversationTemplatesController, 'store'])
      .as('inbox.conversations.templates.store')
    router
      .post('/inbox/conversations/:id/templates/preview', [
        ConversationTemplatesController,
        'preview',
      ])
      .as('inbox.conversations.templates.preview')
  })
  .where('id', router.matchers.number())
  .use([middleware.auth(), middleware.can(['chats.view_own', 'chats.view_all'])])
