/*
| Roles and the role × permission matrix (roles.manage, administrators by default).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const RolesController = () => import('#controllers/roles_controller')
const RoleStatusController = () => import('#controllers/role_status_controller')
const RolePermissionsController = () => import('#controllers/role_permissions_controller')

router
  .group(() => {
    router.get('/roles', [RolesController, 'index']).as('roles.index')
    router.post('/roles', [RolesController, 'store']).as('roles.store')
    router
      .put('/roles/permissions', [RolePermissionsController, 'update'])
      .as('roles.permissions.update')
    router
      .get('/roles/:id/edit', [RolesController, 'edit'])
      .as('roles.edit')
      .where('id', router.matchers.number())
    router
      .put('/roles/:id', [RolesController, 'update'])
      .as('roles.update')
      .where('id', router.matchers.number())
    router
      .put('/roles/:id/status', [RoleStatusController, 'update'])
      .as('roles.status.update')
      .where('id', router.matchers.number())
  })
  .use([middleware.auth(), middleware.can(['roles.manage'])])
