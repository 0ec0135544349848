import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Routing and automatic assignment (issue 4): agent availability, per-connection
 * routing rules, delegations (who also receives whose clients), the "no
 * responsible agent" bucket, the assignment history, the routing queue and
 * the once-per-conversation automatic replies.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('agent_presence', (table) => {
      table.integer('user_id').unsigned().primary().references('users.id').onDelete('CASCADE')
      table
        .string('status', 8)
        .notNullable()
        .defaultTo('offline')
        .checkIn(['online', 'busy', 'offline'], 'agent_presence_status_check')
      table.timestamp('status_changed_at', { useTz: true }).notNullable()
      // Last authenticated request or heartbeat: older than the idle limit = offline.
      table.timestamp('last_seen_at', { useTz: true }).nullable()
      // Ties in open load go to whoever waited longest for a new chat.
      table.timestamp('last_assigned_at', { useTz: true }).nullable()
      table.index(['status', 'last_seen_at'])
    })

    this.schema.alterTable('organizations', (table) => {
      table.integer('presence_idle_minutes').notNullable().defaultTo(15)
    })

    this.schema.createTable('routing_rules', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .primary()
        .references('connections.id')
        .onDelete('CASCADE')
      table.boolean('auto_assign').notNullable().defaultTo(true)
      table.boolean('responsible_first').notNullable().defaultTo(true)
      // When the client's group (responsible + delegates, or the bucket) has nobody free.
      table.boolean('fallback_to_pool').notNullable().defaultTo(true)
      // null = no limit.
      table.integer('max_open_per_agent').nullable()
      table.integer('updated_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['updated_by'])
    })

    this.schema.createTable('routing_delegations', (table) => {
      table.increments('id')
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table
        .integer('owner_user_id')
        .unsigned()
        .notNullable()
        .references('users.id')
        .onDelete('CASCADE')
      table
        .integer('delegate_user_id')
        .unsigned()
        .notNullable()
        .references('users.id')
        .onDelete('CASCADE')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['connection_id', 'owner_user_id', 'delegate_user_id'])
      table.index(['owner_user_id'])
      table.index(['delegate_user_id'])
    })

    this.schema.createTable('routing_unowned_agents', (table) => {
      table
        .integer('connection_id')
        .unsigned()
        .notNullable()
        .references('connections.id')
        .onDelete('CASCADE')
      table.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
      table.primary(['connection_id', 'user_id'])
      table.index(['user_id'])
    })

    this.schema.createTable('conversation_assignment_history', (table) => {
      table.bigIncrements('id')
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table
        .integer('from_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.integer('to_user_id').unsigned().nullable().references('users.id').onDelete('SET NULL')
      // null = the routing rules decided.
      table
        .integer('actor_user_id')
        .unsigned()
        .nullable()
        .references('users.id')
        .onDelete('SET NULL')
      table.string('reason', 32).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['conversation_id', 'created_at'])
      table.index(['from_user_id'])
      table.index(['to_user_id'])
      table.index(['actor_user_id'])
    })

    this.schema.createTable('automatic_replies', (table) => {
      table
        .integer('conversation_id')
        .unsigned()
        .notNullable()
        .references('conversations.id')
        .onDelete('CASCADE')
      table
        .string('kind', 16)
        .notNullable()
        .checkIn(
          ['welcome', 'out_of_hours', 'unknown_sender', 'farewell'],
          'automatic_replies_kind_check'
        )
      table
        .bigInteger('message_id')
        .unsigned()
        .nullable()
        .references('messages.id')
        .onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.primary(['conversation_id', 'kind'])
      table.index(['message_id'])
    })

    this.schema.alterTable('conversations', (table) => {
      // Set while the conversation waits for an agent with capacity (served oldest first).
      table.timestamp('routing_queued_at', { useTz: true }).nullable()
      // Why routing left it unassigned: 'queued', 'unknown_sender', 'manual_rules'.
      table.string('routing_state', 16).nullable()
    })
    this.schema.raw(
      "CREATE INDEX conversations_routing_queue ON conversations (routing_queued_at, id) WHERE routing_queued_at IS NOT NULL AND assigned_user_id IS NULL AND state <> 'resolved'"
    )
    this.schema.raw(
      "CREATE INDEX conversations_open_load ON conversations (assigned_user_id) WHERE state <> 'resolved'"
    )
  }

  async down() {
    this.schema.raw('DROP INDEX IF EXISTS conversations_open_load')
    this.schema.raw('DROP INDEX IF EXISTS conversations_routing_queue')
    this.schema.alterTable('conversations', (table) => {
      table.dropColumn('routing_state')
      table.dropColumn('routing_queued_at')
    })
    this.schema.dropTable('automatic_replies')
    this.schema.dropTable('conversation_assignment_history')
    this.schema.dropTable('routing_unowned_agents')
    this.schema.dropTable('routing_delegations')
    this.schema.dropTable('routing_rules')
    this.schema.alterTable('organizations', (table) => {
      table.dropColumn('presence_idle_minutes')
    })
    this.schema.dropTable('agent_presence')
  }
}
