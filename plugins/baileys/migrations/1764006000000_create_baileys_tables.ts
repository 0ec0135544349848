import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Baileys sessions live in PostgreSQL, not in files, so any instance can
 * resume a paired number without a new QR:
 * - baileys_auth_creds: the one credentials object per connection (BufferJSON text);
 * - baileys_auth_keys: every signal key (pre-key, session, sender-key,
 *   app-state-sync-*, lid-mapping, device-list, tctoken, identity-key…);
 * - baileys_sessions: what the admin wants (running or not, groups on/off),
 *   the lease that makes exactly one instance own the socket, the command an
 *   admin left for the owner, and what the phone told us (number, name);
 * - baileys_messages: the raw WAMessage of each message, which Baileys needs
 *   back to quote it, to re-send on a retry receipt and to download media.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('baileys_auth_creds', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .primary()
        .references('connections.id')
        .onDelete('CASCADE')
      table.text('creds').notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('baileys_auth_keys', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('type', 40).notNullable()
      table.string('key_id', 255).notNullable()
      table.text('value').notNullable()
      // The primary key also serves the foreign key and every lookup (connection, type, ids).
      table.primary(['connection_id', 'type', 'key_id'])
    })

    this.schema.createTable('baileys_sessions', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .primary()
        .references('connections.id')
        .onDelete('CASCADE')
      // false after a logout, a "replaced" conflict, an expired QR or a manual stop: no instance opens it.
      table.boolean('wanted').notNullable().defaultTo(false)
      table.boolean('groups_enabled').notNullable().defaultTo(false)
      table.string('owner', 120).nullable()
      table.timestamp('lease_expires_at', { useTz: true }).nullable()
      // 'reconnect' | 'logout' | 'stop': left by any instance, carried out by the owner.
      table.string('command', 20).nullable()
      table.string('pairing_phone', 32).nullable()
      table.string('pairing_code', 16).nullable()
      table.string('profile_name', 200).nullable()
      table.string('own_jid', 120).nullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['wanted', 'lease_expires_at'])
    })

    this.schema.createTable('baileys_messages', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('key_id', 128).notNullable()
      table.string('remote_jid', 120).notNullable()
      table.boolean('from_me').notNullable()
      table.jsonb('raw').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.primary(['connection_id', 'key_id'])
    })
  }

  async down() {
    this.schema.dropTable('baileys_messages')
    this.schema.dropTable('baileys_sessions')
    this.schema.dropTable('baileys_auth_keys')
    this.schema.dropTable('baileys_auth_creds')
  }
}
