import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The first step of every inbound message (app/channels/inbound_store.ts) as
 * one call: the connection check, the (connection, contact) lock and the open
 * conversation's row lock. A PL/pgSQL function keeps its plans for the life of
 * the connection (the same three statements sent as text were planned again
 * for every message), and each of its statements still takes its own
 * snapshot, so the conversation lookup sees what the lock's previous holder
 * committed.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw(`
      CREATE FUNCTION chasqui_lock_for_message(p_connection integer, p_contact integer)
      RETURNS TABLE (plugin_key text, default_department_id integer, open_conversation_id integer)
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        SELECT k.plugin_key, k.default_department_id INTO plugin_key, default_department_id
          FROM connections k WHERE k.id = p_connection;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock(
          hashtextextended('chasqui:conversation:' || p_connection || ':' || p_contact, 0));
        SELECT c.id INTO open_conversation_id FROM conversations c
         WHERE c.connection_id = p_connection AND c.contact_id = p_contact AND c.state <> 'resolved'
         LIMIT 1 FOR UPDATE;
        RETURN NEXT;
      END
      $$`)
  }

  async down() {
    this.schema.raw('DROP FUNCTION IF EXISTS chasqui_lock_for_message(integer, integer)')
  }
}
