/*
| The chat screen's tools: quick replies in the composer (R-MSG-4) and tags on
| chats and single messages (R-TG-2). Same gate as the inbox; every action
| also asks ConversationPolicy (`useQuickReplies`, `view`, `tag`), so an agent
| never reads or tags a chat assigned to someone else.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ConversationQuickRepliesController = () =>
  import('#controllers/conversation_quick_replies_controller')
const ConversationTagsController = () => import('#controllers/conversation_tags_controller')
const MessageTagsController = () => import('#controllers/message_tags_controller')

router
  .group(() => {
    router
      .get('/inbox/conversations/:id/quick-replies', [ConversationQuickRepliesController, 'index'])
      .as('inbox.conversations.quick_replies.index')
    router
      .get('/inbox/conversations/:id/tags', [ConversationTagsController, 'show'])
      .as('inbox.conversations.tags.show')
    router
      .post('/inbox/conversations/:id/tags', [ConversationTagsController, 'store'])
      .as('inbox.conversations.tags.store')
    router
      .delete('/inbox/conversations/:id/tags/:tagId', [ConversationTagsController, 'destroy'])
      .as('inbox.conversations.tags.destroy')
    router
      .get('/inbox/messages/:id/tags', [MessageTagsController, 'show'])
      .as('inbox.messages.tags.show')
    router
      .post('/inbox/messages/:id/tags', [MessageTagsController, 'store'])
      .as('inbox.messages.tags.store')
    router
      .delete('/inbox/messages/:id/tags/:tagId', [MessageTagsController, 'destroy'])
      .as('inbox.messages.tags.destroy')
  })
  .where('id', router.matchers.number())
  .where('tagId', router.matchers.number())
  .use([middleware.auth(), middleware.can(['chats.view_own', 'chats.view_all'])])
