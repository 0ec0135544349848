import { BaseSchema } from '@adonisjs/lucid/schema'

/** Critical-events log (R-OPS-1), mirrored by winston to storage/logs. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('system_events', (table) => {
      table.bigIncrements('id')
      table.string('level', 16).notNullable() // info | warning | critical
      table.string('category', 60).notNullable()
      table.string('source', 60).notNullable().defaultTo('core')
      table.text('message').notNullable()
      table.jsonb('context').notNullable().defaultTo('{}')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.index(['created_at'])
      table.index(['level', 'created_at'])
      table.index(['category', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTable('system_events')
  }
}
