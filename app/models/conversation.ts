import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany, manyToMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany, ManyToMany } from '@adonisjs/lucid/types/relations'
import Connection from '#models/connection'
import Contact from '#models/contact'
import Department from '#models/department'
import Message from '#models/message'
import Tag from '#models/tag'
import User from '#models/user'
import type { MessageDirection, MessageKind } from '#models/message'

export const CONVERSATION_STATES = ['new', 'pending', 'in_progress', 'resolved'] as const
/**
 * new: opened by the customer, nobody answered yet;
 * pending: assigned, waiting for the agent's first answer;
 * in_progress: an agent has answered;
 * resolved: closed (a later customer message opens a new conversation).
 */
export type ConversationState = (typeof CONVERSATION_STATES)[number]

/** A chat (Chat) between one contact and one connection. */
export default class Conversation extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare connectionId: number

  @column()
  declare contactId: number

  @column()
  declare state: ConversationState

  @column()
  declare assignedUserId: number | null

  @column()
  declare departmentId: number | null

  @column.dateTime()
  declare lastMessageAt: DateTime

  @column()
  declare lastMessagePreview: string | null

  @column()
  declare lastMessageKind: MessageKind | 'deleted' | null

  @column()
  declare lastMessageDirection: MessageDirection | null

  @column.dateTime()
  declare lastInboundAt: DateTime | null

  @column()
  declare unreadCount: number

  @column()
  declare pendingCount: number

  @column.dateTime()
  declare openedAt: DateTime

  @column.dateTime()
  declare resolvedAt: DateTime | null

  @column.dateTime()
  declare firstResponseAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Connection)
  declare connection: BelongsTo<typeof Connection>

  @belongsTo(() => Contact)
  declare contact: BelongsTo<typeof Contact>

  @belongsTo(() => User, { foreignKey: 'assignedUserId' })
  declare assignedUser: BelongsTo<typeof User>

  @belongsTo(() => Department)
  declare department: BelongsTo<typeof Department>

  @hasMany(() => Message)
  declare messages: HasMany<typeof Message>

  @manyToMany(() => Tag, {
    pivotTable: 'conversation_tags',
    pivotTimestamps: { createdAt: 'created_at', updatedAt: false },
    pivotColumns: ['created_by'],
  })
  declare tags: ManyToMany<typeof Tag>

  get isOpen() {
    return this.state !== 'resolved'
  }

  /** WhatsApp's customer-service window: open for `hours` after the customer's last message. */
  isWithinReplyWindow(hours: number, now = DateTime.now()) {
    return !!this.lastInboundAt && now.diff(this.lastInboundAt, 'hours').hours < hours
  }
}
