import { flags } from '@adonisjs/core/ace'
import Role from '#models/role'
import userManagement from '#services/user_management'
import organizationSettings from '#services/organization_settings'
import { userCommandValidator } from '#validators/user_validator'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { UserCommand } from './_user_command.js'

/**
 * `npm run ace -- user:create --email=ana@example.com --name="Ana Torres" --role=admin --password=…`
 * for installers and scripts. Same rules as the users page; audited with no actor.
 */
export default class UserCreate extends UserCommand {
  static commandName = 'user:create'
  static description = 'Create a user with a role (admin, supervisor, agent or a custom role key)'

  @flags.string({ description: 'Email used to log in', required: true })
  declare email: string

  @flags.string({ flagName: 'name', description: 'Full name', required: true })
  declare fullName: string

  @flags.string({
    description: 'Role key: admin, supervisor, agent or a custom role',
    required: true,
  })
  declare role: string

  @flags.string({ description: 'Password (at least 8 characters)', required: true })
  declare password: string

  @flags.string({ description: "Interface language: es or en (default: the organization's)" })
  declare locale?: string

  async run() {
    await this.guarded(async (i18n) => {
      const messagesProvider = i18n.createMessagesProvider()
      const data = await userCommandValidator.validate(
        {
          email: this.email,
          fullName: this.fullName,
          role: this.role,
          password: this.password,
          locale: this.locale,
        },
        { messagesProvider }
      )
      const role = await Role.findByKey(data.role)
      if (!role) throw new RuleViolationException('users.errors.role_not_found')
      const organization = await organizationSettings.ensureExists()
      const user = await userManagement.create(null, {
        fullName: data.fullName,
        email: data.email,
        roleId: role.id,
        locale: data.locale ?? (organization.defaultLocale === 'en' ? 'en' : 'es'),
        password: data.password,
      })
      this.logger.success(
        `${i18n.t('users.created', { name: user.fullName })} (${user.email}, ${role.key})`
      )
    })
  }
}
