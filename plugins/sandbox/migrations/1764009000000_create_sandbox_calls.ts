import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Calls placed from the sandbox customer phone: one row per call, whose
 * status follows what the line reported to the core (offer → ringing →
 * missed | rejected). A customer has at most one call going at a time.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('sandbox_calls', (table) => {
      table.bigIncrements('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table
        .integer('customer_id')
        .unsigned()
        .notNullable()
        .references('sandbox_customers.id')
        .onDelete('CASCADE')
      // The call id reported through ingest.call(); rejectCall() names the call by it.
      table.string('call_id', 80).notNullable().unique()
      table.boolean('is_video').notNullable().defaultTo(false)
      table.string('status', 10).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('ended_at', { useTz: true }).nullable()
      table.index(['customer_id', 'id'])
      table.index(['connection_id', 'status'])
    })
    this.schema.raw(
      `CREATE UNIQUE INDEX sandbox_calls_one_live_per_customer ON sandbox_calls (customer_id)
       WHERE status IN ('offer', 'ringing')`
    )
  }

  async down() {
    this.schema.dropTable('sandbox_calls')
  }
}
