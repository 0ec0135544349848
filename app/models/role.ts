import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import type { I18n } from '@adonisjs/i18n'
import User from '#models/user'
import permissionRegistry from '#permissions/permission_registry'

export default class Role extends BaseModel {
  static readonly ADMIN = 'admin'
  static readonly SUPERVISOR = 'supervisor'
  static readonly AGENT = 'agent'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare key: string

  @column()
  declare name: string

  @column()
  declare description: string | null

  @column()
  declare isSystem: boolean

  @column()
  declare isActive: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => User)
  declare users: HasMany<typeof User>

  get isAdmin() {
    return this.key === Role.ADMIN
  }

  /** A role with its permission keys read in the same query (see `permissionKeys`). */
  static async withPermissionKeys(id: number) {
    return this.query()
      .where('id', id)
      .select(
        'roles.*',
        db.raw(
          'ARRAY(SELECT rp.permission_key FROM role_permissions rp WHERE rp.role_id = roles.id) AS permission_keys'
        )
      )
      .firstOrFail()
  }

  /**
   * The administrator role always holds every permission, so nobody can lock
   * the install out of its own settings by editing the matrix.
   */
  async permissionKeys(): Promise<Set<string>> {
    if (this.isAdmin) return new Set(permissionRegistry.all().map((p) => p.key))
    const loaded = this.$extras.permission_keys
    if (Array.isArray(loaded)) return new Set(loaded as string[])
    const rows = await db
      .from('role_permissions')
      .where('role_id', this.id)
      .select('permission_key')
    return new Set(rows.map((row) => row.permission_key as string))
  }

  /**
   * The name shown in the interface: system roles are translated (their
   * stored name is only the Spanish default), custom roles show their name.
   */
  label(i18n: Pick<I18n, 't'>) {
    return this.isSystem ? i18n.t(`roles.system.${this.key}.name`, {}, this.name) : this.name
  }

  static findByKey(key: string) {
    return this.findBy('key', key)
  }
}
