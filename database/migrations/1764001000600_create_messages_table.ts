import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Every message, note, system line and call of a conversation.
 * - UNIQUE (connection_id, external_id): a provider's redelivery is a no-op.
 * - UNIQUE (author_user_id, client_id): a browser's retried POST is a no-op.
 * `created_at` is the message's own time (the provider's timestamp for
 * inbound and imported messages), so history sorts correctly.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('messages', (table) => {
      table.bigIncrements('id')
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('RESTRICT')
      table.string('direction', 3).notNullable().checkIn(['in', 'out'], 'messages_direction_check')
      table
        .string('kind', 16)
        .notNullable()
        .checkIn(
          [
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
          ],
          'messages_kind_check'
        )
      table.text('body').nullable()
      // Media is stored by path relative to the media storage root.
      table.string('media_path', 500).nullable()
      table.string('media_mime', 255).nullable()
      table.bigInteger('media_size').nullable()
      table.string('media_filename', 255).nullable()
      table.string('media_sha256', 128).nullable()
      table.string('media_provider_id', 255).nullable()
      // Delivery status of outbound messages; null for inbound, notes and system lines.
      table
        .string('status', 12)
        .nullable()
        .checkIn(['queued', 'sent', 'delivered', 'read', 'failed'], 'messages_status_check')
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.timestamp('delivered_at', { useTz: true }).nullable()
      table.timestamp('read_at', { useTz: true }).nullable()
      table.timestamp('failed_at', { useTz: true }).nullable()
      table.string('failure_code', 40).nullable()
      table.text('failure_reason').nullable()
      table
        .integer('author_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.string('external_id', 255).nullable()
      table.string('client_id', 64).nullable()
      table
        .bigInteger('reply_to_message_id')
        .unsigned()
        .nullable()
        .references('messages.id')
        .onDelete('SET NULL')
      table.string('reply_to_external_id', 255).nullable()
      // Imported history (e.g. a sync after pairing): stored, never notified.
      table.boolean('historical').notNullable().defaultTo(false)
      table.jsonb('metadata').notNullable().defaultTo('{}')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.unique(['connection_id', 'external_id'], {
        indexName: 'messages_connection_external_unique',
      })
      table.unique(['author_user_id', 'client_id'], { indexName: 'messages_author_client_unique' })
      table.index(['reply_to_message_id'])
    })
    this.schema.raw(
      'CREATE INDEX messages_timeline ON messages (conversation_id, created_at DESC, id DESC)'
    )
    // Dashboard "sent and pending" and the retry list: outbound messages not yet delivered.
    this.schema.raw(
      "CREATE INDEX messages_undelivered ON messages (connection_id, status) WHERE status IN ('queued', 'failed')"
    )
  }

  async down() {
    this.schema.dropTable('messages')
  }
}
