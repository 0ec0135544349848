import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * agent_presence is a small table written all day (a sign of life per agent
 * every 30 s, a tie-breaker stamp per automatic assignment). Without an
 * index on the written columns and with room left in each page, PostgreSQL
 * updates rows in place (HOT), so the table and its primary key stay a few
 * pages and the routing decision's scan stays flat. Same for the loads table.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('agent_presence', (table) => {
      table.dropIndex(['status', 'last_seen_at'])
    })
    this.schema.raw('ALTER TABLE agent_presence SET (fillfactor = 50)')
    this.schema.raw('ALTER TABLE agent_open_loads SET (fillfactor = 50)')
  }

  async down() {
    this.schema.raw('ALTER TABLE agent_open_loads RESET (fillfactor)')
    this.schema.raw('ALTER TABLE agent_presence RESET (fillfactor)')
    this.schema.alterTable('agent_presence', (table) => {
      table.index(['status', 'last_seen_at'])
    })
  }
}
