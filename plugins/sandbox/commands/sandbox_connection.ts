import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import i18nManager from '@adonisjs/i18n/services/main'
import { sandboxContext } from '../plugin_context.js'

/** `npm run ace -- sandbox:connection --name "Demo"`: a new sandbox connection, for demos and scripts. */
export default class SandboxConnection extends BaseCommand {
  static commandName = 'sandbox:connection'
  static description = 'Create a sandbox (simulated WhatsApp) connection'
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: 'Name of the connection', required: true })
  declare name: string

  async run() {
    const connection = await sandboxContext().ports.channels.createConnection({
      name: this.name.trim() || 'Sandbox',
    })
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    this.logger.success(
      i18n.t('sandbox.cli.connection_created', { id: connection.id, name: connection.name })
    )
  }
}
