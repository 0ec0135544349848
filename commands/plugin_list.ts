import pluginHost from '#plugin_host/plugin_host'
import { PluginCommand } from './_plugin_command.js'

/** `npm run ace -- plugin:list`: installed plugins and whether each is enabled. */
export default class PluginList extends PluginCommand {
  static commandName = 'plugin:list'
  static description =
    'List installed plugins with their version, kind and whether they are enabled'

  async run() {
    await this.guarded(async (i18n, presenter) => {
      const table = this.ui.table().head(['key', 'version', 'kind', 'enabled', 'name'])
      for (const plugin of pluginHost.plugins) {
        table.row([
          plugin.key,
          plugin.manifest.version,
          plugin.manifest.kind,
          plugin.enabled ? i18n.t('plugins.cli.yes') : i18n.t('plugins.cli.no'),
          presenter.nameOf(plugin.key),
        ])
      }
      table.render()
    })
  }
}
