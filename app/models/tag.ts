import { DateTime } from 'luxon'
import { BaseModel, column, manyToMany } from '@adonisjs/lucid/orm'
import type { ManyToMany } from '@adonisjs/lucid/types/relations'
import Role from '#models/role'

/** A label (Etiqueta) on conversations and messages. */
export default class Tag extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare name: string

  /** `#rrggbb` */
  @column()
  declare color: string

  @column()
  declare description: string | null

  @column()
  declare isActive: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  /** Roles that may see this tag; none means every role (R-TG-3). */
  @manyToMany(() => Role, { pivotTable: 'tag_roles' })
  declare roles: ManyToMany<typeof Role>
}
