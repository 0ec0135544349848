/*
| HTTP middleware: global (every request) and named (assigned per route). Named middleware keys are typed for `middleware.*`.
*/
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'
import { forPeople, parsedForPeople } from '#middleware/people_only'

server.errorHandler(() => import('#exceptions/handler'))

/*
| Everything but static files runs at the server level, so an unknown URL
| still gets a session, the user's language and the layout (a translated 404
| with the user's menu) instead of a bare error. Provider webhooks skip what
| only people need (app/middleware/people_only.ts).
*/
server.use([
  () => import('#middleware/container_bindings_middleware'),
  () => import('@adonisjs/static/static_middleware'),
  parsedForPeople(() => import('@adonisjs/core/bodyparser_middleware')),
  forPeople(() => import('@adonisjs/session/session_middleware')),
  forPeople(() => import('#middleware/keep_flash_for_fragments_middleware')),
  forPeople(() => import('@adonisjs/shield/shield_middleware')),
  forPeople(() => import('@adonisjs/auth/initialize_auth_middleware')),
  forPeople(() => import('#middleware/silent_auth_middleware')),
  forPeople(() => import('#middleware/presence_heartbeat_middleware')),
  () => import('#middleware/detect_user_locale_middleware'),
  forPeople(() => import('#middleware/initialize_bouncer_middleware')),
  forPeople(() => import('#middleware/setup_required_middleware')),
  forPeople(() => import('#middleware/share_layout_middleware')),
])

router.use([])

export const middleware = router.named({
  auth: () => import('#middleware/auth_middleware'),
  guest: () => import('#middleware/guest_middleware'),
  can: () => import('#middleware/permission_middleware'),
  pluginActive: () => import('#middleware/plugin_active_middleware'),
})
