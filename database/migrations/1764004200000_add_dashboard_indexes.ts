import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Indexes behind the dashboard (docs/DASHBOARD.md). Its range metrics scan
 * only the rows of the chosen dates, and the covering columns let PostgreSQL
 * aggregate messages from the index alone (no heap visits on 1M rows).
 */
export default class extends BaseSchema {
  async up() {
    // Volume per day / agent / connection and "sent today".
    this.schema.raw(
      'CREATE INDEX messages_created_at_dashboard ON messages (created_at) INCLUDE (direction, kind, author_user_id, connection_id)'
    )
    // First-response time of the chats opened in a range (all, or one agent's).
    this.schema.raw(
      'CREATE INDEX conversations_opened_at ON conversations (opened_at) INCLUDE (first_response_at, assigned_user_id)'
    )
    this.schema.raw(
      'CREATE INDEX conversations_assigned_opened_at ON conversations (assigned_user_id, opened_at) INCLUDE (first_response_at)'
    )
    // Resolution time of the chats resolved in a range.
    this.schema.raw(
      'CREATE INDEX conversations_resolved_at ON conversations (resolved_at) INCLUDE (opened_at, assigned_user_id) WHERE resolved_at IS NOT NULL'
    )
    // New contacts today.
    this.schema.raw('CREATE INDEX contacts_created_at ON contacts (created_at)')
  }

  async down() {
    this.schema.raw('DROP INDEX IF EXISTS contacts_created_at')
    this.schema.raw('DROP INDEX IF EXISTS conversations_resolved_at')
    this.schema.raw('DROP INDEX IF EXISTS conversations_assigned_opened_at')
    this.schema.raw('DROP INDEX IF EXISTS conversations_opened_at')
    this.schema.raw('DROP INDEX IF EXISTS messages_created_at_dashboard')
  }
}
