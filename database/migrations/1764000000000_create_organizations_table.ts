import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    // pg_trgm and unaccent back the accent-insensitive partial search of chats and contacts.
    this.schema.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    this.schema.raw('CREATE EXTENSION IF NOT EXISTS unaccent')

    this.schema.createTable('organizations', (table) => {
      table.increments('id')
      table.string('name', 160).notNullable()
      table.string('default_country_code', 2).notNullable().defaultTo('EC')
      table.string('default_locale', 5).notNullable().defaultTo('es')
      table.string('timezone', 64).notNullable().defaultTo('America/Guayaquil')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('organizations')
  }
}
