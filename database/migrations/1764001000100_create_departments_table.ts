import { BaseSchema } from '@adonisjs/lucid/schema'

/** Departments are queues of agents; bots, routing and connections target them. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('departments', (table) => {
      table.increments('id')
      table.string('name', 120).notNullable()
      table.string('description', 255).nullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['is_active'])
    })
    this.schema.raw(
      'CREATE UNIQUE INDEX departments_name_lower_unique ON departments (lower(name))'
    )

    this.schema.createTable('department_members', (table) => {
      table
        .integer('department_id')
        .unsigned()
        .notNullable()
        .references('departments.id')
        .onDelete('CASCADE')
      table.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.primary(['department_id', 'user_id'])
      table.index(['user_id'])
    })
  }

  async down() {
    this.schema.dropTable('department_members')
    this.schema.dropTable('departments')
  }
}
