/*
| Chat transfers (R-TR-1..4). Requests come from the conversation pane
| (transfers.request, only on one's own chat: ConversationPolicy + ChatTransfers);
| approvers (transfers.approve) decide or transfer directly; the history and
| its CSV need transfers.view_history. A transfer's own page (where its
| notifications point) is open to whoever took part in it.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import navigation from '#services/navigation'

// Declared with the area's routes (not in start/navigation.ts) so the area stays in one file.
navigation.add({
  key: 'transfers',
  label: { es: 'Transferencias', en: 'Transfers' },
  href: '/transfers?state=pending',
  permissions: ['transfers.view_history'],
  order: 15,
})

const TransfersController = () => import('#controllers/transfers_controller')
const TransferExportsController = () => import('#controllers/transfer_exports_controller')
const TransferDecisionsController = () => import('#controllers/transfer_decisions_controller')
const ConversationTransfersController = () =>
  import('#controllers/conversation_transfers_controller')

router
  .group(() => {
    router
      .get('/transfers', [TransfersController, 'index'])
      .as('transfers.index')
      .use(middleware.can(['transfers.view_history']))
    router
      .get('/transfers/export.csv', [TransferExportsController, 'show'])
      .as('transfers.export')
      .use(middleware.can(['transfers.view_history']))
    router
      .get('/transfers/:id', [TransfersController, 'show'])
      .as('transfers.show')
      .use(middleware.can(['transfers.view_history', 'transfers.approve', 'transfers.request']))
    router
      .post('/transfers/:id/approval', [TransferDecisionsController, 'approve'])
      .as('transfers.approve')
      .use(middleware.can(['transfers.approve']))
    router
      .post('/transfers/:id/denial', [TransferDecisionsController, 'deny'])
      .as('transfers.deny')
      .use(middleware.can(['transfers.approve']))
    router
      .get('/conversations/:id/transfer-panel', [ConversationTransfersController, 'panel'])
      .as('conversations.transfers.panel')
      .use(middleware.can(['chats.view_own', 'chats.view_all']))
    router
      .post('/conversations/:id/transfers', [ConversationTransfersController, 'store'])
      .as('conversations.transfers.store')
      .use(middleware.can(['transfers.request']))
    router
      .post('/conversations/:id/direct-transfers', [ConversationTransfersController, 'direct'])
      .as('conversations.transfers.direct')
      .use(middleware.can(['transfers.approve']))
  })
  .where('id', router.matchers.number())
  .use(middleware.auth())
