import { BaseSchema } from '@adonisjs/lucid/schema'

/** Who did what, when, with the record before and after (R-OPS-5). */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('audit_logs', (table) => {
      table.bigIncrements('id')
      table.integer('actor_id').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.string('action', 80).notNullable()
      table.string('subject_type', 60).notNullable()
      table.string('subject_id', 60).nullable()
      table.jsonb('before').nullable()
      table.jsonb('after').nullable()
      table.string('ip', 64).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.index(['actor_id'])
      table.index(['subject_type', 'subject_id'])
      table.index(['created_at'])
    })
  }

  async down() {
    this.schema.dropTable('audit_logs')
  }
}
