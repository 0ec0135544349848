/*
| Users page. Listing needs users.view; every change needs users.manage, and
| UserPolicy decides per target (supervisors never touch administrators).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const UsersController = () => import('#controllers/users_controller')
const UserStatusController = () => import('#controllers/user_status_controller')
const UserPasswordsController = () => import('#controllers/user_passwords_controller')

router
  .group(() => {
    router
      .get('/users', [UsersController, 'index'])
      .as('users.index')
      .use(middleware.can(['users.view']))

    router
      .group(() => {
        router.get('/users/create', [UsersController, 'create']).as('users.create')
        router.post('/users', [UsersController, 'store']).as('users.store')
        router.get('/users/:id/edit', [UsersController, 'edit']).as('users.edit')
        router.put('/users/:id', [UsersController, 'update']).as('users.update')
        router.put('/users/:id/status', [UserStatusController, 'update']).as('users.status.update')
        router
          .put('/users/:id/password', [UserPasswordsController, 'update'])
          .as('users.password.update')
      })
      .where('id', router.matchers.number())
      .use(middleware.can(['users.manage']))
  })
  .use(middleware.auth())
