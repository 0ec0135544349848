import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * The single organization of an install, created by the setup page (or at
 * boot from CHASQUI_ADMIN_* variables).
 */
export default class Organization extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare name: string

  @column()
  declare defaultCountryCode: string

  @column()
  declare defaultLocale: string

  @column()
  declare timezone: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  static async current() {
    return this.query().orderBy('id').first()
  }

  static async defaultLocale() {
    const organization = await this.current()
    return organization?.defaultLocale ?? 'es'
  }
}
