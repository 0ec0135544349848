import { BaseSchema } from '@adonisjs/lucid/schema'

/** Installed plugins are listed in code; whether each is enabled, and its settings, live here. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('plugin_states', (table) => {
      table.string('key', 60).primary()
      table.boolean('enabled').notNullable().defaultTo(false)
      table.jsonb('settings').notNullable().defaultTo('{}')
      // Secret settings, encrypted with the app key; never sent back to a browser.
      table.text('secrets').nullable()
      table.string('installed_version', 40).nullable()
      table.integer('updated_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.index(['updated_by'])
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('plugin_states')
  }
}
