import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany, manyToMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany, ManyToMany } from '@adonisjs/lucid/types/relations'
import Department from '#models/department'
import User from '#models/user'
import Conversation from '#models/conversation'

export const CONNECTION_STATUSES = [
  'connected',
  'connecting',
  'waiting_qr',
  'disconnected',
  'logged_out',
] as const
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number]

/** Opening hours of a connection; days without an entry are closed. */
export interface BusinessHours {
  timezone?: string
  days: Partial<
    Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { from: string; to: string }[]>
  >
}

const json = { prepare: (value: unknown) => (value === null ? null : JSON.stringify(value)) }

/**
 * One WhatsApp number (Conexión) owned by a channel plugin. `settings` is the
 * plugin's own per-connection configuration; the core never reads inside it.
 */
export default class Connection extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare pluginKey: string

  @column()
  declare name: string

  @column({ columnName: 'phone_e164' })
  declare phoneE164: string | null

  @column()
  declare status: ConnectionStatus

  @column()
  declare statusReason: string | null

  @column({ serializeAs: null })
  declare qrCode: string | null

  @column.dateTime()
  declare statusChangedAt: DateTime | null

  @column.dateTime()
  declare lastConnectedAt: DateTime | null

  @column.dateTime()
  declare lastDisconnectedAt: DateTime | null

  @column(json)
  declare settings: Record<string, unknown>

  @column(json)
  declare businessHours: BusinessHours | null

  @column()
  declare welcomeMessage: string | null

  @column()
  declare farewellMessage: string | null

  @column()
  declare outOfHoursMessage: string | null

  @column()
  declare unknownSenderMessage: string | null

  @column()
  declare defaultDepartmentId: number | null

  @column()
  declare knownClientsOnly: boolean

  @column()
  declare sendRatePerSecond: number | null

  /** Ban-risk guard: people who never wrote to this number it may message first, per hour / day. */
  @column()
  declare newContactsPerHour: number | null

  @column()
  declare newContactsPerDay: number | null

  @column()
  declare isActive: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Department, { foreignKey: 'defaultDepartmentId' })
  declare defaultDepartment: BelongsTo<typeof Department>

  @manyToMany(() => User, {
    pivotTable: 'connection_agents',
    pivotTimestamps: { createdAt: 'created_at', updatedAt: false },
  })
  declare agents: ManyToMany<typeof User>

  @hasMany(() => Conversation)
  declare conversations: HasMany<typeof Conversation>
}
