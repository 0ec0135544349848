import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The durable send queue (DESIGN §5). A row is claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`): a dispatcher that
 * dies mid-send leaves an expired lease that any dispatcher claims again.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('outbox', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('message_id')
        .unsigned()
        .notNullable()
        .unique()
        .references('messages.id')
        .onDelete('CASCADE')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      // Messages of one conversation go out in order: a row waits for earlier ones.
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table
        .string('state', 12)
        .notNullable()
        .defaultTo('pending')
        .checkIn(['pending', 'in_flight', 'done', 'dead'], 'outbox_state_check')
      table.integer('attempts').notNullable().defaultTo(0)
      table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.string('locked_by', 120).nullable()
      table.timestamp('locked_until', { useTz: true }).nullable()
      table.text('last_error').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.index(['connection_id'])
      table.index(['conversation_id'])
    })
    this.schema.raw("CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending'")
    this.schema.raw("CREATE INDEX outbox_leases ON outbox (locked_until) WHERE state = 'in_flight'")
    this.schema.raw(
      "CREATE INDEX outbox_conversation_queue ON outbox (conversation_id, id) WHERE state IN ('pending', 'in_flight')"
    )
  }

  async down() {
    this.schema.dropTable('outbox')
  }
}
