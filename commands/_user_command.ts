import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { errors as vineErrors } from '@vinejs/vine'
import i18nManager from '@adonisjs/i18n/services/main'
import type { I18n } from '@adonisjs/i18n'
import Organization from '#models/organization'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/** Validator fields that the command line spells differently. */
const FLAG_NAMES: Record<string, string> = { fullName: 'name' }

/**
 * Shared by the user:* commands (a file starting with "_" is not loaded as a
 * command). Bad input ends with the same translated messages as the users
 * page, in the organization's language, and a non-zero exit code for scripts.
 */
export abstract class UserCommand extends BaseCommand {
  static options: CommandOptions = { startApp: true }

  protected async guarded(work: (i18n: I18n) => Promise<void>) {
    const i18n = i18nManager.locale(await Organization.defaultLocale())
    try {
      await work(i18n)
    } catch (error) {
      if (error instanceof vineErrors.E_VALIDATION_ERROR) {
        for (const message of error.messages as { field: string; message: string }[]) {
          this.logger.error(`--${FLAG_NAMES[message.field] ?? message.field}: ${message.message}`)
        }
      } else if (error instanceof RuleViolationException) {
        this.logger.error(error.translate((key, data) => i18n.t(key, data)))
      } else {
        throw error
      }
      this.exitCode = 1
    }
  }
}
