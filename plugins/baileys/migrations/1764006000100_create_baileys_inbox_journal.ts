import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * baileys_inbox: every `messages.upsert` batch as it arrives, before it waits
 * in the session's queue; deleted once handled. Baileys acknowledges
 * messages to WhatsApp on receipt and WhatsApp never sends them again, so a
 * batch still queued when the process dies would be lost without it; the
 * next session of that number handles what is left here first.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('baileys_inbox', (table) => {
      table.bigIncrements('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('upsert_type', 10).notNullable()
      table.jsonb('messages').notNullable()
      table.timestamp('received_at', { useTz: true }).notNullable()
      table.index(['connection_id', 'id'])
    })
  }

  async down() {
    this.schema.dropTable('baileys_inbox')
  }
}
