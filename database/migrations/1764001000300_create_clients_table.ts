import { BaseSchema } from '@adonisjs/lucid/schema'

/** The person or company behind one or more contacts (seed 000 §2, 004 §1). */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('clients', (table) => {
      table.increments('id')
      table.string('holder_name', 200).notNullable()
      table.string('document_id', 40).nullable()
      // Exact decimal: read back as a string, never as a float.
      table.decimal('balance', 14, 2).notNullable().defaultTo(0)
      table.integer('days_overdue').notNullable().defaultTo(0)
      table
        .integer('responsible_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.jsonb('custom_fields').notNullable().defaultTo('{}')
      table.boolean('is_active').notNullable().defaultTo(true)
      // R-CO-6: new clients wait in a validation queue until a supervisor checks them.
      table.boolean('is_validated').notNullable().defaultTo(false)
      table.timestamp('validated_at', { useTz: true }).nullable()
      table
        .integer('validated_by')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.specificType(
        'search_name',
        'text GENERATED ALWAYS AS (f_unaccent(lower(holder_name))) STORED'
      )
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['responsible_user_id'])
      table.index(['validated_by'])
      table.index(['document_id'])
    })
    this.schema.raw(
      'CREATE INDEX clients_search_name_trgm ON clients USING gin (search_name gin_trgm_ops)'
    )
    this.schema.raw(
      'CREATE INDEX clients_validation_queue ON clients (created_at) WHERE is_validated = false AND is_active'
    )
  }

  async down() {
    this.schema.dropTable('clients')
  }
}
