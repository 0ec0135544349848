import { BaseSchema } from '@adonisjs/lucid/schema'

/** Tags on conversations and on single messages (R-TG-1..3). */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('tags', (table) => {
      table.increments('id')
      table.string('name', 80).notNullable()
      table.string('color', 7).notNullable().defaultTo('#64748b')
      table.string('description', 255).nullable()
      table.boolean('is_active').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['is_active'])
    })
    this.schema.raw('CREATE UNIQUE INDEX tags_name_lower_unique ON tags (lower(name))')

    // R-TG-3: roles that may see a tag; a tag without rows here is visible to every role.
    this.schema.createTable('tag_roles', (table) => {
      table.integer('tag_id').unsigned().notNullable().references('tags.id').onDelete('CASCADE')
      table.integer('role_id').unsigned().notNullable().references('roles.id').onDelete('CASCADE')
      table.primary(['tag_id', 'role_id'])
      table.index(['role_id'])
    })

    this.schema.createTable('conversation_tags', (table) => {
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table.integer('tag_id').unsigned().notNullable().references('tags.id').onDelete('CASCADE')
      table.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.primary(['conversation_id', 'tag_id'])
      // The chat-list filter goes tag → conversations.
      table.index(['tag_id', 'conversation_id'])
      table.index(['created_by'])
    })

    this.schema.createTable('message_tags', (table) => {
      table
        .bigInteger('message_id')
        .unsigned()
        .notNullable()
        .references('messages.id')
        .onDelete('CASCADE')
      table.integer('tag_id').unsigned().notNullable().references('tags.id').onDelete('CASCADE')
      table.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.primary(['message_id', 'tag_id'])
      table.index(['tag_id', 'message_id'])
      table.index(['created_by'])
    })
  }

  async down() {
    this.schema.dropTable('message_tags')
    this.schema.dropTable('conversation_tags')
    this.schema.dropTable('tag_roles')
    this.schema.dropTable('tags')
  }
}
