import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Files an agent uploaded from the composer, validated and stored, waiting to
 * be sent with a message. The composer holds only the opaque token; the row
 * is owned by the uploader and expires.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('media_uploads', (table) => {
      table.bigIncrements('id')
      table.string('token', 64).notNullable().unique()
      table.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
      table.string('kind', 16).notNullable()
      table.string('path', 500).notNullable()
      table.string('mime', 255).notNullable()
      table.bigInteger('size').notNullable()
      table.string('filename', 255).nullable()
      table.string('sha256', 128).notNullable()
      table.timestamp('expires_at', { useTz: true }).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.index(['expires_at'])
    })
  }

  async down() {
    this.schema.dropTable('media_uploads')
  }
}
