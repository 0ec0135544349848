import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import i18nManager from '@adonisjs/i18n/services/main'
import type { I18n } from '@adonisjs/i18n'
import Organization from '#models/organization'
import pluginHost from '#plugin_host/plugin_host'
import { PluginError } from '#plugin_host/plugin_errors'
import { PluginPresenter } from '#plugin_host/plugin_presenter'

/**
 * Shared by the plugin:* commands (a file starting with "_" is not loaded as
 * a command). They read plugin_states first (ace never runs plugins; a
 * running server follows through NOTIFY) and apply the same rules as
 * Settings → Plugins, with translated messages and a non-zero exit on refusal.
 */
export abstract class PluginCommand extends BaseCommand {
  static options: CommandOptions = { startApp: true }

  protected async guarded(work: (i18n: I18n, presenter: PluginPresenter) => Promise<void>) {
    const i18n = i18nManager.locale(await Organization.defaultLocale())
    const presenter = new PluginPresenter(pluginHost, i18n.locale)
    await pluginHost.reloadStates()
    try {
      await work(i18n, presenter)
    } catch (error) {
      if (!(error instanceof PluginError)) throw error
      this.logger.error(presenter.errorMessage(error, i18n))
      this.exitCode = 1
    }
  }
}
