import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { SystemEventLevel } from '#services/system_event_log'

/** A row of the critical-events log; written only by #services/system_event_log. */
export default class SystemEvent extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare level: SystemEventLevel

  @column()
  declare category: string

  @column()
  declare source: string

  @column()
  declare message: string

  @column()
  declare context: Record<string, unknown>

  @column.dateTime()
  declare createdAt: DateTime
}
