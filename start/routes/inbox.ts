/*
| The agent inbox. Seeing the inbox needs chats.view_own or chats.view_all;
| every conversation and message route also asks ConversationPolicy, so an
| agent never reads or touches a chat assigned to someone else.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const InboxController = () => import('#controllers/inbox_controller')
const InboxPendingCounterController = () => import('#controllers/inbox_pending_counter_controller')
const ConversationsController = () => import('#controllers/conversations_controller')
const ConversationMessagesController = () => import('#controllers/conversation_messages_controller')
const ConversationAssignmentsController = () =>
  import('#controllers/conversation_assignments_controller')
const ConversationResolutionsController = () =>
  import('#controllers/conversation_resolutions_controller')
const MessagesController = () => import('#controllers/messages_controller')
const MessageRetriesController = () => import('#controllers/message_retries_controller')

router
  .group(() => {
    router.get('/inbox', [InboxController, 'index']).as('inbox.index')
    router.get('/inbox/pending', [InboxPendingCounterController, 'show']).as('inbox.pending')
    router
      .get('/inbox/conversations/:id', [ConversationsController, 'show'])
      .as('inbox.conversations.show')
    router
      .get('/inbox/conversations/:id/messages', [ConversationMessagesController, 'index'])
      .as('inbox.conversations.messages.index')
    router
      .post('/inbox/conversations/:id/messages', [ConversationMessagesController, 'store'])
      .as('inbox.conversations.messages.store')
    router.get('/inbox/messages/:id', [MessagesController, 'show']).as('inbox.messages.show')
    router
      .put('/conversations/:id/assignment', [ConversationAssignmentsController, 'update'])
      .as('conversations.assignment.update')
    router
      .post('/conversations/:id/resolution', [ConversationResolutionsController, 'store'])
      .as('conversations.resolution.store')
    router
      .delete('/conversations/:id/resolution', [ConversationResolutionsController, 'destroy'])
      .as('conversations.resolution.destroy')
    router
      .post('/messages/:id/retry', [MessageRetriesController, 'store'])
      .as('messages.retry.store')
  })
  .where('id', router.matchers.number())
  .use([middleware.auth(), middleware.can(['chats.view_own', 'chats.view_all'])])
