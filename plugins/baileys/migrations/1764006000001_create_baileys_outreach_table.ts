import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * People a number wrote to first (they had never written to it): the
 * ban-risk guard counts them per hour and per day.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('baileys_outreach', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('jid', 120).notNullable()
      table.timestamp('first_sent_at', { useTz: true }).notNullable()
      table.primary(['connection_id', 'jid'])
      table.index(['connection_id', 'first_sent_at'])
    })
  }

  async down() {
    this.schema.dropTable('baileys_outreach')
  }
}
