import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The Meta Cloud API plugin's own tables:
 * - meta_cloud_numbers: one business number per connection, its Graph API
 *   credentials (access token and app secret encrypted with the APP_KEY);
 * - meta_cloud_webhooks: every signed webhook body, stored before it is
 *   processed, so a slow or failing pipeline never makes Meta retry or drop;
 * - meta_cloud_templates: approved message templates synced from the WABA.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('meta_cloud_numbers', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .primary()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('phone_number_id', 40).notNullable().unique()
      table.string('waba_id', 40).notNullable()
      table.text('access_token_encrypted').notNullable()
      table.text('app_secret_encrypted').notNullable()
      table.string('verify_token', 200).notNullable()
      table.string('display_phone_number', 40).nullable()
      table.string('verified_name', 200).nullable()
      table.boolean('mark_read').notNullable().defaultTo(true)
      table.timestamp('templates_synced_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['waba_id'])
    })

    this.schema.createTable('meta_cloud_webhooks', (table) => {
      table.bigIncrements('id')
      table.text('body').notNullable()
      // X-Hub-Signature-256 as received: each change is checked against its own number's app secret.
      table.string('signature', 80).notNullable()
      // pending → done, or failed after every retry.
      table.string('state', 10).notNullable().defaultTo('pending')
      table.integer('attempts').notNullable().defaultTo(0)
      table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.timestamp('locked_until', { useTz: true }).nullable()
      table.text('last_error').nullable()
      table.timestamp('received_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.timestamp('processed_at', { useTz: true }).nullable()
    })
    // The worker's hot filter: only unfinished rows are indexed.
    this.schema.raw(
      `CREATE INDEX meta_cloud_webhooks_due_idx ON meta_cloud_webhooks (next_attempt_at, id) WHERE state = 'pending'`
    )

    this.schema.createTable('meta_cloud_templates', (table) => {
      table.increments('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.string('name', 512).notNullable()
      table.string('language', 20).notNullable()
      table.string('category', 40).notNullable()
      table.string('status', 40).notNullable()
      table.string('parameter_format', 20).notNullable().defaultTo('POSITIONAL')
      table.jsonb('components').notNullable()
      table.timestamp('synced_at', { useTz: true }).notNullable()
      table.unique(['connection_id', 'name', 'language'])
    })
  }

  async down() {
    this.schema.dropTable('meta_cloud_templates')
    this.schema.dropTable('meta_cloud_webhooks')
    this.schema.dropTable('meta_cloud_numbers')
  }
}
