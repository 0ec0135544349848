import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A per-agent limit of simultaneous open chats (Routing page). When set it
 * wins over the connection's limit for that agent; without it the
 * connection's rule applies.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('agent_limits', (table) => {
      table.integer('user_id').unsigned().primary().references('users.id').onDelete('CASCADE')
      table.integer('max_open').notNullable()
      table.integer('updated_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['updated_by'])
    })
    this.schema.raw(
      'ALTER TABLE agent_limits ADD CONSTRAINT agent_limits_positive CHECK (max_open > 0)'
    )
  }

  async down() {
    this.schema.dropTable('agent_limits')
  }
}
