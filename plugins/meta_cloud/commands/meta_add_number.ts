import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import i18nManager from '@adonisjs/i18n/services/main'
import { errors as vineErrors } from '@vinejs/vine'
import numberService from '../numbers/number_service.js'
import { numberCreateValidator } from '../validators.js'

/**
 * `npm run ace -- meta_cloud:add --name "Ventas" --phone-number-id … --waba-id …
 * --access-token … --app-secret … --verify-token …`: adds a Meta number for
 * scripted installs, with the same checks as the settings page.
 */
export default class MetaAddNumber extends BaseCommand {
  static commandName = 'meta_cloud:add'
  static description = 'Add a Meta WhatsApp Cloud API number (checked against the Graph API)'
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: 'Connection name', required: true })
  declare name: string

  @flags.string({ description: 'Phone number ID', required: true })
  declare phoneNumberId: string

  @flags.string({ description: 'WhatsApp Business account ID', required: true })
  declare wabaId: string

  @flags.string({ description: 'Access token (System User)', required: true })
  declare accessToken: string

  @flags.string({ description: 'App secret (webhook signatures)', required: true })
  declare appSecret: string

  @flags.string({ description: 'Webhook verify token', required: true })
  declare verifyToken: string

  @flags.boolean({ description: 'Mark messages read when an agent opens the chat', default: true })
  declare markRead: boolean

  async run() {
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    let data
    try {
      data = await numberCreateValidator.validate(
        {
          name: this.name,
          phoneNumberId: this.phoneNumberId,
          wabaId: this.wabaId,
          accessToken: this.accessToken,
          appSecret: this.appSecret,
          verifyToken: this.verifyToken,
          markRead: this.markRead,
        },
        { messagesProvider: i18n.createMessagesProvider() }
      )
    } catch (error) {
      if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
      const reason = (error.messages as { field: string; message: string }[])
        .map((m) => `${m.field}: ${m.message}`)
        .join('; ')
      this.logger.error(i18n.t('meta_cloud.cli.failed', { reason }))
      this.exitCode = 1
      return
    }
    const result = await numberService.add({ ...data, markRead: data.markRead ?? true })
    if (!result.ok) {
      const text = i18n.t(`meta_cloud.check.${result.problem}`)
      this.logger.error(
        i18n.t('meta_cloud.cli.failed', {
          reason: result.details ? `${text} (${result.details})` : text,
        })
      )
      this.exitCode = 1
      return
    }
    this.logger.success(
      i18n.t('meta_cloud.cli.created', {
        id: result.connection.id,
        name: result.connection.name,
        phone: result.connection.phoneE164 ?? '',
      })
    )
  }
}
