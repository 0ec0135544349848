import { flags } from '@adonisjs/core/ace'
import User from '#models/user'
import userManagement from '#services/user_management'
import { passwordCommandValidator } from '#validators/user_validator'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { UserCommand } from './_user_command.js'

/**
 * `npm run ace -- user:reset-password --email=ana@example.com --password=…`:
 * the way back in when the only administrator forgot their password. Audited.
 */
export default class UserResetPassword extends UserCommand {
  static commandName = 'user:reset-password'
  static description = 'Set a new password for a user, found by email'

  @flags.string({ description: 'Email of the user', required: true })
  declare email: string

  @flags.string({ description: 'New password (at least 8 characters)', required: true })
  declare password: string

  async run() {
    await this.guarded(async (i18n) => {
      const messagesProvider = i18n.createMessagesProvider()
      const data = await passwordCommandValidator.validate(
        { email: this.email, password: this.password },
        { messagesProvider }
      )
      const user = await User.findByEmail(data.email)
      if (!user) throw new RuleViolationException('users.errors.not_found')
      await userManagement.resetPassword(null, user.id, data.password)
      this.logger.success(
        i18n.t('users.password_reset', { name: `${user.fullName} (${user.email})` })
      )
    })
  }
}
