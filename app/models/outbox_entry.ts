import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import Connection from '#models/connection'
import Message from '#models/message'

export type OutboxState = 'pending' | 'in_flight' | 'done' | 'dead'

const bigint = {
  consume: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
}

/** One row of the durable send queue; written by OutboundService, consumed by OutboxDispatcher. */
export default class OutboxEntry extends BaseModel {
  static table = 'outbox'

  @column({ isPrimary: true, ...bigint })
  declare id: number

  @column(bigint)
  declare messageId: number

  @column()
  declare connectionId: number

  @column()
  declare conversationId: number

  @column()
  declare state: OutboxState

  @column()
  declare attempts: number

  @column.dateTime()
  declare nextAttemptAt: DateTime

  @column()
  declare lockedBy: string | null

  @column.dateTime()
  declare lockedUntil: DateTime | null

  @column()
  declare lastError: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Message)
  declare message: BelongsTo<typeof Message>

  @belongsTo(() => Connection)
  declare connection: BelongsTo<typeof Connection>
}
