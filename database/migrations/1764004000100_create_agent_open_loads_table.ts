import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Each agent's open load (conversations assigned to them and not resolved),
 * kept by a trigger on `conversations` so every code path that assigns,
 * transfers, resolves or reopens keeps it exact without knowing about it.
 * The routing decision reads 200 agents' loads from here in one index scan
 * instead of counting thousands of conversation rows (benchmarks/assignment.bench.ts).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('agent_open_loads', (table) => {
      table.integer('user_id').unsigned().primary().references('users.id').onDelete('CASCADE')
      table.integer('open_count').notNullable().defaultTo(0)
    })
    this.schema.raw(`
      CREATE FUNCTION chasqui_track_open_load() RETURNS trigger AS $$
      DECLARE
        was_open boolean := TG_OP <> 'INSERT' AND OLD.assigned_user_id IS NOT NULL AND OLD.state <> 'resolved';
        is_open boolean := TG_OP <> 'DELETE' AND NEW.assigned_user_id IS NOT NULL AND NEW.state <> 'resolved';
      BEGIN
        IF was_open AND is_open AND OLD.assigned_user_id = NEW.assigned_user_id THEN
          RETURN NULL;
        END IF;
        IF was_open THEN
          UPDATE agent_open_loads SET open_count = open_count - 1 WHERE user_id = OLD.assigned_user_id;
        END IF;
        IF is_open THEN
          INSERT INTO agent_open_loads (user_id, open_count) VALUES (NEW.assigned_user_id, 1)
          ON CONFLICT (user_id) DO UPDATE SET open_count = agent_open_loads.open_count + 1;
        END IF;
        RETURN NULL;
      END
      $$ LANGUAGE plpgsql
    `)
    this.schema.raw(`
      CREATE TRIGGER conversations_open_load_count
      AFTER INSERT OR DELETE OR UPDATE OF assigned_user_id, state ON conversations
      FOR EACH ROW EXECUTE FUNCTION chasqui_track_open_load()
    `)
    this.schema.raw(`
      INSERT INTO agent_open_loads (user_id, open_count)
      SELECT assigned_user_id, count(*) FROM conversations
       WHERE assigned_user_id IS NOT NULL AND state <> 'resolved'
       GROUP BY assigned_user_id
    `)
    // The decision no longer counts conversations; the load table replaces this index.
    this.schema.raw('DROP INDEX IF EXISTS conversations_open_load')
  }

  async down() {
    this.schema.raw(
      "CREATE INDEX IF NOT EXISTS conversations_open_load ON conversations (assigned_user_id) WHERE state <> 'resolved'"
    )
    this.schema.raw('DROP TRIGGER IF EXISTS conversations_open_load_count ON conversations')
    this.schema.raw('DROP FUNCTION IF EXISTS chasqui_track_open_load()')
    this.schema.dropTable('agent_open_loads')
  }
}
