import { createHash } from 'node:crypto'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import env from '#start/env'

/*
| PostgreSQL plans every statement it receives unless the statement is
| prepared. On the inbound path the planner cost more CPU than the work
| itself (the routing pool query: 2.2 ms to plan, 0.1 ms to run; measured
| with pg_stat_statements, docs/BENCHMARKS.md). A named statement is parsed
| once per connection and, after a few runs, executed with a cached plan.
|
| The name is derived from the text, so the same text always gets the same
| name on every connection and two different texts never share one. Only
| for statements run many times per second with an explicit column list:
| a cached `SELECT *` breaks when a migration adds a column under it.
|
| DB_PREPARED_STATEMENTS=false turns naming off, for a pooler in front of
| an external database that cannot keep named statements (PgBouncer in
| transaction mode before 1.21).
*/

const enabled = env.get('DB_PREPARED_STATEMENTS', true)

const names = new Map<string, string>()

function nameOf(sql: string) {
  let name = names.get(sql)
  if (!name) {
    name = `chasqui_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`
    names.set(sql, name)
  }
  return name
}

/*
| Named bindings (`:name`) are rewritten by knex on every call, a regular
| expression over the whole text: for the inbound message insert (about
| forty of them) that was a few percent of the inbound path's CPU. The
| rewrite to positional `?` is the same every time, so it is done once per
| text. Texts using what this simple rewrite does not cover (identifier
| bindings `:name:`, `::` casts, escapes) are left to knex.
*/
interface Positional {
  sql: string
  keys: string[]
}

const positional = new Map<string, Positional | null>()

function toPositional(sql: string, bindings: Record<string, unknown>): Positional | null {
  if (positional.has(sql)) return positional.get(sql)!
  let compiled: Positional | null = null
  if (!sql.includes('::') && !sql.includes('\\') && !sql.includes('?')) {
    const keys: string[] = []
    let supported = true
    const text = sql.replace(/:(\w+)(:?)/g, (_match, key: string, identifier: string) => {
      if (identifier || !(key in bindings)) supported = false
      keys.push(key)
      return '?'
    })
    if (supported) compiled = { sql: text, keys }
  }
  positional.set(sql, compiled)
  return compiled
}

/** `client.rawQuery` as a named prepared statement (same bindings, same result). */
export function preparedQuery<Result = any>(
  client: Pick<QueryClientContract, 'rawQuery'>,
  sql: string,
  bindings?: any
) {
  let text = sql
  let values = bindings
  if (bindings && !Array.isArray(bindings)) {
    const compiled = toPositional(sql, bindings)
    if (compiled) {
      text = compiled.sql
      values = compiled.keys.map((key) => bindings[key])
    }
  }
  const query = client.rawQuery<Result>(text, values)
  if (enabled) query.knexQuery.options({ name: nameOf(sql) })
  return query
}
