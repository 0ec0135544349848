import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('roles', (table) => {
      table.increments('id')
      // admin / supervisor / agent for the system roles; a slug for custom ones
      table.string('key', 60).notNullable().unique()
      table.string('name', 120).notNullable()
      table.string('description', 255).nullable()
      table.boolean('is_system').notNullable().defaultTo(false)
      table.boolean('is_active').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('role_permissions', (table) => {
      table.integer('role_id').unsigned().notNullable().references('roles.id').onDelete('CASCADE')
      table.string('permission_key', 120).notNullable()
      table.primary(['role_id', 'permission_key'])
      table.index(['permission_key'])
    })

    // Permissions already seen, so defaults are granted once and an admin's later edits stick.
    this.schema.createTable('known_permissions', (table) => {
      table.string('key', 120).primary()
      table.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(this.now())
    })
  }

  async down() {
    this.schema.dropTable('known_permissions')
    this.schema.dropTable('role_permissions')
    this.schema.dropTable('roles')
  }
}
