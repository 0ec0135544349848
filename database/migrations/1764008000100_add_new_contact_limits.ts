import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The ban-risk guard: WhatsApp bans numbers that message many people who
 * never wrote to them. Per connection, at most N such new contacts per hour
 * and per day (null = no limit); `first_contacts` remembers whom the
 * business wrote to first, and when.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('connections', (table) => {
      table.integer('new_contacts_per_hour').nullable()
      table.integer('new_contacts_per_day').nullable()
    })
    this.schema.createTable('first_contacts', (table) => {
      table.integer('connection_id').notNullable().references('connections.id').onDelete('CASCADE')
      table.integer('contact_id').notNullable().references('contacts.id').onDelete('CASCADE')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.primary(['connection_id', 'contact_id'])
      table.index(['contact_id'])
      table.index(['connection_id', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTable('first_contacts')
    this.schema.alterTable('connections', (table) => {
      table.dropColumn('new_contacts_per_hour')
      table.dropColumn('new_contacts_per_day')
    })
  }
}
