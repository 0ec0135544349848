import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * One WhatsApp identity. A person reaches us under several identifiers
 * (phone, Meta's wa_id, Baileys' LID, Meta's business-scoped user id) and
 * any of them may be missing; each one is unique when present so the
 * ContactResolver can find the same contact whichever arrives.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('contacts', (table) => {
      table.increments('id')
      table.integer('client_id').unsigned().nullable().references('clients.id').onDelete('SET NULL')
      // What agents see and may edit; filled from the WhatsApp profile name on creation.
      table.string('display_name', 200).nullable()
      // The name the person set in WhatsApp, refreshed on every inbound message.
      table.string('profile_name', 200).nullable()
      table.string('username', 100).nullable()
      table.string('phone_e164', 20).nullable()
      table.string('wa_id', 32).nullable()
      table.string('lid', 64).nullable()
      table.string('bsuid', 160).nullable()
      table.text('profile_photo_url').nullable()
      table.string('profile_photo_path', 500).nullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      // Accent-insensitive, lower-case name for trigram search ("jose" finds "José").
      table.specificType(
        'search_name',
        "text GENERATED ALWAYS AS (f_unaccent(lower(coalesce(display_name, '') || ' ' || coalesce(profile_name, '')))) STORED"
      )
      // Digits only, so "099 123", "+593 99 123" and "593-99-123" all match by substring.
      table.specificType(
        'phone_digits',
        "text GENERATED ALWAYS AS (regexp_replace(coalesce(phone_e164, wa_id, ''), '[^0-9]', '', 'g')) STORED"
      )
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['client_id'])
      table.index(['is_active'])
    })
    for (const column of ['phone_e164', 'wa_id', 'lid', 'bsuid']) {
      this.schema.raw(
        `CREATE UNIQUE INDEX contacts_${column}_unique ON contacts (${column}) WHERE ${column} IS NOT NULL`
      )
    }
    this.schema.raw(
      'CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name gin_trgm_ops)'
    )
    this.schema.raw(
      'CREATE INDEX contacts_phone_digits_trgm ON contacts USING gin (phone_digits gin_trgm_ops)'
    )
  }

  async down() {
    this.schema.dropTable('contacts')
  }
}
