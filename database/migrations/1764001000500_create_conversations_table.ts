import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The unit of work between a contact and a connection. At most one open
 * (not resolved) conversation per contact and connection: the ingest
 * pipeline relies on that unique index to open conversations race-free.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('conversations', (table) => {
      table.increments('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('RESTRICT')
      table
        .integer('contact_id')
        .unsigned()
        .notNullable()
        .references('contacts.id')
        .onDelete('RESTRICT')
      table
        .string('state', 16)
        .notNullable()
        .defaultTo('new')
        .checkIn(['new', 'pending', 'in_progress', 'resolved'], 'conversations_state_check')
      table
        .integer('assigned_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table
        .integer('department_id')
        .unsigned()
        .nullable()
        .references('departments.id')
        .onDelete('SET NULL')
      // Last customer-facing activity (in or out, not notes); the chat list's sort key.
      table.timestamp('last_message_at', { useTz: true }).notNullable()
      table.string('last_message_preview', 200).nullable()
      table.string('last_message_kind', 16).nullable()
      table.string('last_message_direction', 3).nullable()
      // The customer's last message: opens WhatsApp's 24-hour reply window.
      table.timestamp('last_inbound_at', { useTz: true }).nullable()
      // Inbound messages no agent has looked at yet.
      table.integer('unread_count').notNullable().defaultTo(0)
      // Inbound messages since the last reply (R-MSG-3, "pendientes por responder").
      table.integer('pending_count').notNullable().defaultTo(0)
      table.timestamp('opened_at', { useTz: true }).notNullable()
      table.timestamp('resolved_at', { useTz: true }).nullable()
      table.timestamp('first_response_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['connection_id'])
      table.index(['contact_id'])
      table.index(['department_id'])
    })
    this.schema.raw(
      "CREATE UNIQUE INDEX conversations_one_open_per_contact ON conversations (connection_id, contact_id) WHERE state <> 'resolved'"
    )
    // Chat list (keyset): everything, one tray, and one agent's own chats.
    this.schema.raw(
      'CREATE INDEX conversations_list ON conversations (last_message_at DESC, id DESC)'
    )
    this.schema.raw(
      'CREATE INDEX conversations_tray ON conversations (state, last_message_at DESC, id DESC)'
    )
    this.schema.raw(
      'CREATE INDEX conversations_assigned_list ON conversations (assigned_user_id, state, last_message_at DESC, id DESC)'
    )
    // Dashboard: unassigned open chats, and open chats waiting for an answer.
    this.schema.raw(
      "CREATE INDEX conversations_unassigned ON conversations (last_message_at DESC) WHERE assigned_user_id IS NULL AND state <> 'resolved'"
    )
    this.schema.raw(
      "CREATE INDEX conversations_waiting_answer ON conversations (assigned_user_id) WHERE pending_count > 0 AND state <> 'resolved'"
    )
  }

  async down() {
    this.schema.dropTable('conversations')
  }
}
