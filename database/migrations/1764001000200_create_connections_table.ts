import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * One WhatsApp number, owned by a channel plugin (`plugin_key`). The core
 * never interprets `settings`: it is the plugin's per-connection settings
 * (validated by the plugin's schema). Everything the core itself uses is a
 * typed column.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('connections', (table) => {
      table.increments('id')
      table.string('plugin_key', 60).notNullable()
      table.string('name', 120).notNullable()
      // The number itself, reported by the plugin once known (E.164).
      table.string('phone_e164', 20).nullable()
      table
        .string('status', 16)
        .notNullable()
        .defaultTo('disconnected')
        .checkIn(
          ['connected', 'connecting', 'waiting_qr', 'disconnected', 'logged_out'],
          'connections_status_check'
        )
      table.string('status_reason', 255).nullable()
      // The pairing QR while status = waiting_qr; kept here so any instance can show it.
      table.text('qr_code').nullable()
      table.timestamp('status_changed_at', { useTz: true }).nullable()
      table.timestamp('last_connected_at', { useTz: true }).nullable()
      table.timestamp('last_disconnected_at', { useTz: true }).nullable()
      table.jsonb('settings').notNullable().defaultTo('{}')
      // { timezone?, days: { mon: [{ from: '08:00', to: '17:00' }], … } }; null = always open
      table.jsonb('business_hours').nullable()
      table.text('welcome_message').nullable()
      table.text('farewell_message').nullable()
      table.text('out_of_hours_message').nullable()
      // R-INT-5: the auto-reply for unknown senders when known_clients_only is on.
      table.text('unknown_sender_message').nullable()
      table
        .integer('default_department_id')
        .unsigned()
        .nullable()
        .references('departments.id')
        .onDelete('SET NULL')
      table.boolean('known_clients_only').notNullable().defaultTo(false)
      // Outbound messages per second for this number; null = the dispatcher's default.
      table.float('send_rate_per_second').nullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['plugin_key'])
      table.index(['status'])
      table.index(['default_department_id'])
      table.index(['is_active'])
    })

    this.schema.createTable('connection_agents', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.primary(['connection_id', 'user_id'])
      table.index(['user_id'])
    })
  }

  async down() {
    this.schema.dropTable('connection_agents')
    this.schema.dropTable('connections')
  }
}
