import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Delivery statuses that arrived before the message they name had its
 * provider id stored (a driver's receipt can beat the dispatcher's write of
 * send()'s result). Kept briefly and applied as soon as the id is stored,
 * so a fast "delivered" or "read" is never lost.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('early_statuses', (table) => {
      table.bigIncrements('id')
      table.integer('connection_id').notNullable().references('connections.id').onDelete('CASCADE')
      table.string('external_id', 255).notNullable()
      table.string('status', 16).notNullable()
      table.timestamp('at', { useTz: true }).notNullable()
      table.string('error_code', 64).nullable()
      table.text('error_reason').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['connection_id', 'external_id', 'status'])
      table.index(['created_at'])
    })
  }

  async down() {
    this.schema.dropTable('early_statuses')
  }
}
