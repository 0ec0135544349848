import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The sandbox channel's far side: customers living on a simulated phone,
 * the messages of their chats (both directions), and per-connection
 * failure simulation. Rows go away with their connection.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('sandbox_customers', (table) => {
      table.increments('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('name', 120).notNullable()
      table.string('phone', 32).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['connection_id', 'phone'])
    })

    this.schema.createTable('sandbox_messages', (table) => {
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
      // 'in': customer → business; 'out': business → customer.
      table.string('direction', 3).notNullable()
      table.string('external_id', 80).notNullable().unique()
      table.string('kind', 20).notNullable()
      table.text('body').nullable()
      // For 'out' only: sent → delivered → read, as the customer's phone reports them.
      table.string('status', 10).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('read_at', { useTz: true }).nullable()
      table.index(['customer_id', 'id'])
    })

    this.schema.createTable('sandbox_lines', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .primary()
        .references('connections.id')
        .onDelete('CASCADE')
      // The next send fails this way ('retryable' | 'fatal'), then the line works again.
      table.string('fail_next', 10).nullable()
    })
  }

  async down() {
    this.schema.dropTable('sandbox_lines')
    this.schema.dropTable('sandbox_messages')
    this.schema.dropTable('sandbox_customers')
  }
}
