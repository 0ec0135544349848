import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasOne, manyToMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasOne, ManyToMany } from '@adonisjs/lucid/types/relations'
import Connection from '#models/connection'
import Conversation from '#models/conversation'
import OutboxEntry from '#models/outbox_entry'
import Tag from '#models/tag'
import User from '#models/user'

export const MESSAGE_KINDS = [
  'text',
  'image',
  'audio',
  'voice',
  'document',
  'video',
  'sticker',
  'location',
  'contacts',
  'reaction',
  'interactive',
  'unsupported',
  'note',
  'system',
  'call',
] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]
export type MessageDirection = 'in' | 'out'

export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** Kinds that carry a file in the media_* columns. */
export const MEDIA_KINDS: readonly MessageKind[] = [
  'image',
  'audio',
  'voice',
  'document',
  'video',
  'sticker',
]

const bigint = {
  consume: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
}

/**
 * A message (Mensaje) of a conversation: in/out, private note, system line
 * or call. Outbound messages carry a delivery status; inbound ones do not.
 */
export default class Message extends BaseModel {
  @column({ isPrimary: true, ...bigint })
  declare id: number

  @column()
  declare conversationId: number

  @column()
  declare connectionId: number

  @column()
  declare direction: MessageDirection

  @column()
  declare kind: MessageKind

  @column()
  declare body: string | null

  @column()
  declare mediaPath: string | null

  @column()
  declare mediaMime: string | null

  @column(bigint)
  declare mediaSize: number | null

  @column()
  declare mediaFilename: string | null

  @column({ columnName: 'media_sha256' })
  declare mediaSha256: string | null

  @column()
  declare mediaProviderId: string | null

  @column()
  declare status: MessageStatus | null

  @column.dateTime()
  declare sentAt: DateTime | null

  @column.dateTime()
  declare deliveredAt: DateTime | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime()
  declare failedAt: DateTime | null

  @column()
  declare failureCode: string | null

  @column()
  declare failureReason: string | null

  @column()
  declare authorUserId: number | null

  @column()
  declare externalId: string | null

  @column()
  declare clientId: string | null

  @column(bigint)
  declare replyToMessageId: number | null

  @column()
  declare replyToExternalId: string | null

  @column()
  declare historical: boolean

  @column({ prepare: (value: unknown) => JSON.stringify(value ?? {}) })
  declare metadata: Record<string, unknown>

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => Conversation)
  declare conversation: BelongsTo<typeof Conversation>

  @belongsTo(() => Connection)
  declare connection: BelongsTo<typeof Connection>

  @belongsTo(() => User, { foreignKey: 'authorUserId' })
  declare author: BelongsTo<typeof User>

  @belongsTo(() => Message, { foreignKey: 'replyToMessageId' })
  declare replyTo: BelongsTo<typeof Message>

  @hasOne(() => OutboxEntry)
  declare outboxEntry: HasOne<typeof OutboxEntry>

  @manyToMany(() => Tag, {
    pivotTable: 'message_tags',
    pivotTimestamps: { createdAt: 'created_at', updatedAt: false },
    pivotColumns: ['created_by'],
  })
  declare tags: ManyToMany<typeof Tag>

  get isNote() {
    return this.kind === 'note'
  }
}
