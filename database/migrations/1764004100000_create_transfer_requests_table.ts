import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Chat transfers (R-TR-1..4): an agent's request to hand a conversation to an
 * agent or a department, decided by an admin/supervisor, or a direct transfer
 * by one of them (`kind = 'direct'`, born approved). Rows are the history.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('transfer_requests', (table) => {
      table.bigIncrements('id')
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table.string('kind', 16).notNullable().defaultTo('request')
      table.string('state', 16).notNullable().defaultTo('pending')
      table
        .integer('requested_by')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      // Who held the chat when it was asked for: the history says "from whom".
      table
        .integer('from_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table
        .integer('target_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table
        .integer('target_department_id')
        .unsigned()
        .nullable()
        .references('departments.id')
        .onDelete('SET NULL')
      table.text('reason').notNullable()
      table.integer('decided_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('decided_at', { useTz: true }).nullable()
      table.text('decision_note').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(this.now())

      table.index(['conversation_id'])
      table.index(['requested_by', 'created_at'])
      table.index(['from_user_id'])
      table.index(['target_user_id'])
      table.index(['target_department_id'])
      table.index(['decided_by'])
      // The history page: newest first, often narrowed to one state.
      table.index(['created_at', 'id'])
      table.index(['state', 'created_at'])
    })
    this.schema.raw(
      "ALTER TABLE transfer_requests ADD CONSTRAINT transfer_requests_kind_check CHECK (kind IN ('request', 'direct'))"
    )
    this.schema.raw(
      "ALTER TABLE transfer_requests ADD CONSTRAINT transfer_requests_state_check CHECK (state IN ('pending', 'approved', 'denied', 'cancelled'))"
    )
    // Asked for one target, never both (a target may later vanish: SET NULL keeps the row).
    this.schema.raw(
      'ALTER TABLE transfer_requests ADD CONSTRAINT transfer_requests_one_target CHECK (target_user_id IS NULL OR target_department_id IS NULL)'
    )
    // R-TR-3: one pending request per conversation, whatever races the application check.
    this.schema.raw(
      "CREATE UNIQUE INDEX transfer_requests_one_pending ON transfer_requests (conversation_id) WHERE state = 'pending'"
    )
  }

  async down() {
    this.schema.dropTable('transfer_requests')
  }
}
