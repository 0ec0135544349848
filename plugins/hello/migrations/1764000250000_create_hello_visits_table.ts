import { BaseSchema } from '@adonisjs/lucid/schema'

/** The hello plugin's own table: one row per visit to /hello. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('hello_visits', (table) => {
      table.increments('id')
      table.integer('user_id').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.index(['user_id'])
      table.timestamp('created_at', { useTz: true }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('hello_visits')
  }
}
