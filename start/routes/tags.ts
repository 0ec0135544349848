/*
| Tags: list, create, edit, inactivate / reactivate (tags.manage: admin and supervisor by default).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const TagsController = () => import('#controllers/tags_controller')
const TagStatusController = () => import('#controllers/tag_status_controller')

router
  .group(() => {
    router.get('/tags', [TagsController, 'index']).as('tags.index')
    router.get('/tags/create', [TagsController, 'create']).as('tags.create')
    router.post('/tags', [TagsController, 'store']).as('tags.store')
    router
      .get('/tags/:id/edit', [TagsController, 'edit'])
      .as('tags.edit')
      .where('id', router.matchers.number())
    router
      .put('/tags/:id', [TagsController, 'update'])
      .as('tags.update')
      .where('id', router.matchers.number())
    router
      .put('/tags/:id/status', [TagStatusController, 'update'])
      .as('tags.status.update')
      .where('id', router.matchers.number())
  })
  .use([middleware.auth(), middleware.can(['tags.manage'])])
