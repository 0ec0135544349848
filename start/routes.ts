/*
| Core routes. Each area keeps its routes in its own file under start/routes/
| (imported at the end of this file) so the map stays readable; plugin routes
| are mounted by the plugin host.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const HealthController = () => import('#controllers/health_controller')
const VendorAssetsController = () => import('#controllers/vendor_assets_controller')
const SetupController = () => import('#controllers/setup_controller')
const SessionController = () => import('#controllers/session_controller')
const HomeController = () => import('#controllers/home_controller')
const PasswordController = () => import('#controllers/password_controller')
const AccountLocaleController = () => import('#controllers/account_locale_controller')

router.get('/health', [HealthController, 'show']).as('health')
router.get('/vendor/:file', [VendorAssetsController, 'show']).as('vendor')

router.get('/setup', [SetupController, 'create']).as('setup.create')
router.post('/setup', [SetupController, 'store']).as('setup.store')

router
  .group(() => {
    router.get('/login', [SessionController, 'create']).as('session.create')
    router.post('/login', [SessionController, 'store']).as('session.store')
  })
  .use(middleware.guest())

router
  .group(() => {
    router.post('/logout', [SessionController, 'destroy']).as('session.destroy')
    router.get('/', [HomeController, 'show']).as('home')
    router.get('/account/password', [PasswordController, 'edit']).as('password.edit')
    router.put('/account/password', [PasswordController, 'update']).as('password.update')
    router.put('/account/locale', [AccountLocaleController, 'update']).as('locale.update')
  })
  .use(middleware.auth())

// Areas
import './routes/users.js'
import './routes/roles.js'
import './routes/settings.js'
import './routes/notifications.js'
import './routes/system_events.js'
import './routes/audit.js'
import './routes/plugins.js'
import './routes/inbox.js'
import './routes/connections.js'
import './routes/tags.js'
import './routes/quick_replies.js'
import './routes/media.js'
import './routes/inbox_tools.js'
import './routes/transfers.js'
import './routes/dashboard.js'
import './routes/chat_exports.js'
import './routes/reply_window.js'
