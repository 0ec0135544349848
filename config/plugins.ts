import { definePluginsConfig } from '#plugin_host/contract'

/**
 * Installed plugins — the only place that names them. Being listed here
 * installs a plugin (its routes, views, permissions and migrations exist);
 * an administrator enables it from Settings → Plugins, without a restart.
 * Each entry is the plugin's index module (see docs/PLUGINS.md).
 */
const pluginsConfig = definePluginsConfig({
  plugins: [
    () => import('#plugins/hello/index'),
    () => import('#plugins/sandbox/index'),
    () => import('#plugins/calls/index'),
    () => import('#plugins/contact_sync/index'),
    () => import('#plugins/meta_cloud/index'),
    () => import('#plugins/baileys/index'),
  ],
})

export default pluginsConfig
