import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Message volume per closed day (docs/DASHBOARD.md "Daily roll-up"): a day
 * that is over is counted once, in the organization's time zone, and the
 * dashboard's ranges read these rows instead of re-scanning its messages.
 * `dashboard_volume_days` marks the days already counted; deleting a mark
 * makes the next dashboard request count that day again.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('dashboard_daily_volume', (table) => {
      table.string('timezone', 64).notNullable()
      table.date('day').notNullable()
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table
        .integer('author_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.string('direction', 3).notNullable()
      table.integer('messages').notNullable()
      table.index(['timezone', 'day'])
      table.index(['connection_id'])
      table.index(['author_user_id'])
    })
    this.schema.createTable('dashboard_volume_days', (table) => {
      table.string('timezone', 64).notNullable()
      table.date('day').notNullable()
      table.timestamp('computed_at', { useTz: true }).notNullable()
      table.primary(['timezone', 'day'])
      table.index(['day'])
    })
  }

  async down() {
    this.schema.dropTable('dashboard_volume_days')
    this.schema.dropTable('dashboard_daily_volume')
  }
}
