import { BaseSchema } from '@adonisjs/lucid/schema'

/** In-app notifications behind the bell; text is rendered from `kind` + `data` in the reader's language. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('notifications', (table) => {
      table.bigIncrements('id')
      table.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
      table.string('kind', 80).notNullable()
      table.jsonb('data').notNullable().defaultTo('{}')
      table.string('url', 500).nullable()
      table.timestamp('read_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.index(['user_id', 'created_at'])
    })
    this.schema.raw(
      'CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL'
    )
  }

  async down() {
    this.schema.dropTable('notifications')
  }
}
