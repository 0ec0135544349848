import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * One line behind the bell. Stores what happened (`kind` + `data`), never the
 * sentence: the text is rendered in the reader's language when shown.
 */
export default class Notification extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare userId: number

  @column()
  declare kind: string

  @column({ prepare: (value: Record<string, unknown>) => JSON.stringify(value ?? {}) })
  declare data: Record<string, unknown>

  /** A path inside Chasqui (never an external address), or null. */
  @column()
  declare url: string | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  get isUnread() {
    return this.readAt === null
  }
}
