import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * `unaccent()` is only STABLE (its dictionary could change), so PostgreSQL
 * refuses it in generated columns and index expressions. This wrapper pins
 * the dictionary and declares itself IMMUTABLE, the usual way to index
 * accent-insensitive text. Names are schema-qualified so the function works
 * under any search_path (restores, autovacuum, other roles).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    this.schema.raw('CREATE EXTENSION IF NOT EXISTS unaccent')
    this.defer(async (db) => {
      const { rows } = await db.rawQuery(
        `SELECT n.nspname AS schema FROM pg_extension e
         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'`
      )
      const schema = `"${String(rows[0].schema).replaceAll('"', '""')}"`
      await db.rawQuery(`
        CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $func$ SELECT ${schema}.unaccent('${schema}.unaccent'::regdictionary, $1) $func$
      `)
    })
  }

  async down() {
    this.schema.raw('DROP FUNCTION IF EXISTS f_unaccent(text)')
  }
}
