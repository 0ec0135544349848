/*
| Mounts the routes every installed plugin declared in register(), each under
| its prefix and guarded by `pluginActive` (404 while the plugin is disabled).
| The plugins themselves are loaded by providers/plugin_host_provider.ts.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import pluginHost from '#plugin_host/plugin_host'

pluginHost.mountRoutes(router, middleware)
