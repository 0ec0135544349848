import { args } from '@adonisjs/core/ace'
import pluginHost from '#plugin_host/plugin_host'
import { PluginCommand } from './_plugin_command.js'

/** `npm run ace -- plugin:disable <key>`: refused while an enabled plugin depends on it. */
export default class PluginDisable extends PluginCommand {
  static commandName = 'plugin:disable'
  static description = 'Disable an installed plugin (refused while an enabled plugin depends on it)'

  @args.string({ description: 'Plugin key, as shown by plugin:list' })
  declare key: string

  async run() {
    await this.guarded(async (i18n, presenter) => {
      const name = presenter.nameOf(this.key)
      const changed = await pluginHost.disable(this.key, null)
      if (changed) this.logger.success(i18n.t('plugins.disabled', { name }))
      else this.logger.info(i18n.t('plugins.cli.already_disabled', { name }))
    })
  }
}
