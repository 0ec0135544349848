import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Files in the sandbox phone's chats: the path in the core's media store
 * (`ctx.ports.media`) of what the customer sent or the agent replied.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('sandbox_messages', (table) => {
      table.string('media_path', 255).nullable()
      table.string('media_mime', 100).nullable()
      table.bigInteger('media_size').nullable()
      table.string('media_filename', 255).nullable()
    })
  }

  async down() {
    this.schema.alterTable('sandbox_messages', (table) => {
      table.dropColumn('media_path')
      table.dropColumn('media_mime')
      table.dropColumn('media_size')
      table.dropColumn('media_filename')
    })
  }
}
