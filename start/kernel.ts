/*
| HTTP middleware: global (every request), router (matched routes) and named
| (assigned per route). Named middleware keys are typed for `middleware.*`.
*/
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#exceptions/handler'))

server.use([
  () => import('#middleware/container_bindings_middleware'),
  () => import('@adonisjs/static/static_middleware'),
])

router.use([
  () => import('@adonisjs/core/bodyparser_middleware'),
  () => import('@adonisjs/session/session_middleware'),
  () => import('@adonisjs/shield/shield_middleware'),
  () => import('@adonisjs/auth/initialize_auth_middleware'),
  () => import('#middleware/silent_auth_middleware'),
  () => import('#middleware/detect_user_locale_middleware'),
  () => import('#middleware/initialize_bouncer_middleware'),
  () => import('#middleware/setup_required_middleware'),
  () => import('#middleware/share_layout_middleware'),
])

export const middleware = router.named({
  auth: () => import('#middleware/auth_middleware'),
  guest: () => import('#middleware/guest_middleware'),
  can: () => import('#middleware/permission_middleware'),
})
