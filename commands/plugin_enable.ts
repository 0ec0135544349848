import { args } from '@adonisjs/core/ace'
import pluginHost from '#plugin_host/plugin_host'
import { PluginCommand } from './_plugin_command.js'

/** `npm run ace -- plugin:enable <key>`: same rules as the switch in Settings → Plugins. */
export default class PluginEnable extends PluginCommand {
  static commandName = 'plugin:enable'
  static description = 'Enable an installed plugin (its dependencies must be enabled)'

  @args.string({ description: 'Plugin key, as shown by plugin:list' })
  declare key: string

  async run() {
    await this.guarded(async (i18n, presenter) => {
      const name = presenter.nameOf(this.key)
      const changed = await pluginHost.enable(this.key, null)
      if (changed) this.logger.success(i18n.t('plugins.enabled', { name }))
      else this.logger.info(i18n.t('plugins.cli.already_enabled', { name }))
    })
  }
}
