/*
| Settings → Plugins (plugins.manage): enable/disable installed plugins and
| edit their settings. The plugins' own routes are mounted by start/plugins.ts.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const PluginsController = () => import('#controllers/plugins_controller')
const PluginActivationsController = () => import('#controllers/plugin_activations_controller')
const PluginSettingsController = () => import('#controllers/plugin_settings_controller')

router
  .group(() => {
    router.get('/settings/plugins', [PluginsController, 'index']).as('settings.plugins.index')
    router
      .post('/settings/plugins/:key/activation', [PluginActivationsController, 'store'])
      .as('settings.plugins.activation.store')
    router
      .delete('/settings/plugins/:key/activation', [PluginActivationsController, 'destroy'])
      .as('settings.plugins.activation.destroy')
    router
      .get('/settings/plugins/:key/settings', [PluginSettingsController, 'edit'])
      .as('settings.plugins.settings.edit')
    router
      .put('/settings/plugins/:key/settings', [PluginSettingsController, 'update'])
      .as('settings.plugins.settings.update')
  })
  .use([middleware.auth(), middleware.can(['plugins.manage'])])
