import { BaseSchema } from '@adonisjs/lucid/schema'

/** Canned replies reached by `/shortcut` in the composer, with {{variables}} (R-MSG-4). */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('quick_replies', (table) => {
      table.increments('id')
      table.string('shortcut', 40).notNullable()
      table.string('title', 120).notNullable()
      table.text('body').notNullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['created_by'])
    })
    // One active reply per shortcut; an inactivated one frees its shortcut.
    this.schema.raw(
      'CREATE UNIQUE INDEX quick_replies_shortcut_active_unique ON quick_replies (lower(shortcut)) WHERE is_active'
    )
  }

  async down() {
    this.schema.dropTable('quick_replies')
  }
}
