import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, beforeSave, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import Role from '#models/role'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['email'],
  passwordColumnName: 'password',
})

export default class User extends compose(BaseModel, AuthFinder) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare fullName: string

  @column()
  declare email: string

  @column({ serializeAs: null })
  declare password: string

  @column()
  declare roleId: number

  @column()
  declare locale: string | null

  @column()
  declare isActive: boolean

  @column.dateTime()
  declare lastLoginAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Role)
  declare role: BelongsTo<typeof Role>

  /** Permissions are read once per request and kept on the instance. */
  #permissions?: Set<string>

  async permissions(): Promise<Set<string>> {
    if (!this.#permissions) {
      // Every full page asks (navigation, counters, Bouncer): role and keys come in one round trip.
      if (!this.role) (this as User).$setRelated('role', await Role.withPermissionKeys(this.roleId))
      this.#permissions = this.role.isActive ? await this.role.permissionKeys() : new Set()
    }
    return this.#permissions
  }

  async can(permission: string) {
    return (await this.permissions()).has(permission)
  }

  async isAdmin() {
    if (!this.role) await (this as User).load('role')
    return this.role.isAdmin
  }

  @beforeSave()
  static normalizeEmail(user: User) {
    if (user.$dirty.email) user.email = user.email.trim().toLowerCase()
  }

  /** Emails are compared case-insensitively everywhere. */
  static findByEmail(email: string) {
    return this.query().whereRaw('lower(email) = ?', [email.trim().toLowerCase()]).first()
  }
}
