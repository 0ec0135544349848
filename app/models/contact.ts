import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import Client from '#models/client'
import Conversation from '#models/conversation'

/**
 * One WhatsApp identity (Contacto). Any of phone, wa_id, LID and Meta's
 * business-scoped user id may be missing; each is unique when present.
 * Create and match contacts through ContactResolver, not by hand.
 */
export default class Contact extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare clientId: number | null

  @column()
  declare displayName: string | null

  @column()
  declare profileName: string | null

  @column()
  declare username: string | null

  @column({ columnName: 'phone_e164' })
  declare phoneE164: string | null

  @column()
  declare waId: string | null

  @column()
  declare lid: string | null

  @column()
  declare bsuid: string | null

  @column()
  declare profilePhotoUrl: string | null

  @column()
  declare profilePhotoPath: string | null

  @column()
  declare isActive: boolean

  /** Generated columns (search); never written. */
  @column({ serializeAs: null })
  declare searchName: string

  @column({ serializeAs: null })
  declare phoneDigits: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Client)
  declare client: BelongsTo<typeof Client>

  @hasMany(() => Conversation)
  declare conversations: HasMany<typeof Conversation>

  /** What to call this contact when no one gave it a name. */
  get label() {
    return (
      this.displayName ||
      this.profileName ||
      this.phoneE164 ||
      this.username ||
      this.waId ||
      `#${this.id}`
    )
  }
}
