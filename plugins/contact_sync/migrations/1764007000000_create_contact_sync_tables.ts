import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Contact sync's own tables: running tallies per connection (the report an
 * admin reads), the latest report lines, and the durable queue of pushes to
 * an external CRM.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('contact_sync_tallies', (table) => {
      table.integer('connection_id').primary().references('connections.id').onDelete('CASCADE')
      table.integer('created').notNullable().defaultTo(0)
      table.integer('updated').notNullable().defaultTo(0)
      table.integer('skipped').notNullable().defaultTo(0)
      table.integer('history_messages').notNullable().defaultTo(0)
      table.timestamp('history_oldest_at', { useTz: true }).nullable()
      table.timestamp('history_newest_at', { useTz: true }).nullable()
      table.timestamp('last_contact_at', { useTz: true }).nullable()
      table.timestamp('last_history_at', { useTz: true }).nullable()
    })

    // Which chats the imported history touched, to count them once.
    this.schema.createTable('contact_sync_history_chats', (table) => {
      table.integer('connection_id').notNullable().references('connections.id').onDelete('CASCADE')
      table
        .integer('conversation_id')
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table.primary(['connection_id', 'conversation_id'])
      table.index(['conversation_id'])
    })

    this.schema.createTable('contact_sync_entries', (table) => {
      table.bigIncrements('id')
      table.integer('connection_id').notNullable().references('connections.id').onDelete('CASCADE')
      table.integer('contact_id').nullable().references('contacts.id').onDelete('SET NULL')
      table.string('outcome', 16).notNullable()
      table.string('reason', 40).nullable()
      table.string('name', 200).nullable()
      table.string('phone', 40).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['connection_id', 'id'])
      table.index(['contact_id'])
    })

    this.schema.createTable('contact_sync_pushes', (table) => {
      table.bigIncrements('id')
      table.integer('contact_id').notNullable().references('contacts.id').onDelete('CASCADE')
      table.string('state', 16).notNullable().defaultTo('pending')
      table.integer('attempts').notNullable().defaultTo(0)
      table.timestamp('next_attempt_at', { useTz: true }).notNullable()
      table.integer('last_status').nullable()
      table.text('last_error').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.index(['contact_id'])
      table.index(['state', 'next_attempt_at'])
    })
    // One waiting push per contact: later changes ride on it.
    this.schema.raw(
      `CREATE UNIQUE INDEX contact_sync_pushes_one_pending ON contact_sync_pushes (contact_id) WHERE state = 'pending'`
    )
  }

  async down() {
    this.schema.dropTable('contact_sync_pushes')
    this.schema.dropTable('contact_sync_entries')
    this.schema.dropTable('contact_sync_history_chats')
    this.schema.dropTable('contact_sync_tallies')
  }
}
