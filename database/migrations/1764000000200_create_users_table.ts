import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('users', (table) => {
      table.increments('id')
      table.string('full_name', 160).notNullable()
      table.string('email', 254).notNullable()
      table.string('password').notNullable()
      table.integer('role_id').unsigned().notNullable().references('roles.id').onDelete('RESTRICT')
      table.string('locale', 5).nullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.timestamp('last_login_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['role_id'])
      table.index(['is_active'])
    })
    // Emails are unique whatever their case.
    this.schema.raw('CREATE UNIQUE INDEX users_email_lower_unique ON users (lower(email))')
    this.schema.raw(
      "CREATE INDEX users_search_trgm ON users USING gin ((lower(full_name) || ' ' || lower(email)) gin_trgm_ops)"
    )
  }

  async down() {
    this.schema.dropTable('users')
  }
}
