import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import User from '#models/user'

/** A canned reply (Respuesta rápida) reached by `/shortcut`; `body` holds {{variables}}. */
export default class QuickReply extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare shortcut: string

  @column()
  declare title: string

  @column()
  declare body: string

  @column()
  declare isActive: boolean

  @column()
  declare createdBy: number | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => User, { foreignKey: 'createdBy' })
  declare creator: BelongsTo<typeof User>

  /** The {{variable}} names the body uses, e.g. ['agent_name', 'balance']. */
  get variables() {
    return [...new Set([...this.body.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1]))]
  }
}
