import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import i18nManager from '@adonisjs/i18n/services/main'
import { sandboxContext } from '../plugin_context.js'
import phone from '../sandbox_phone.js'

/**
 * `npm run ace -- sandbox:message --connection 3 --phone +593991234567 --name "Ana" --text "Hola"`:
 * a customer writes into a sandbox connection, through the ingest port.
 */
export default class SandboxMessage extends BaseCommand {
  static commandName = 'sandbox:message'
  static description = 'Post a customer message into a sandbox connection'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Sandbox connection id', required: true })
  declare connection: number

  @flags.string({ description: "Customer's phone (any format)", required: true })
  declare phone: string

  @flags.string({ description: "Customer's name" })
  declare name?: string

  @flags.string({ description: 'Message text', required: true })
  declare text: string

  async run() {
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    const connection = await sandboxContext().ports.channels.findConnection(this.connection)
    if (!connection) {
      this.logger.error(i18n.t('sandbox.cli.connection_missing', { id: this.connection }))
      this.exitCode = 1
      return
    }
    const customer = await phone.customerFor(connection.id, { name: this.name, phone: this.phone })
    const result = await phone.customerSays(connection.id, customer, this.text)
    this.logger.success(i18n.t('sandbox.cli.message_posted', result))
  }
}
