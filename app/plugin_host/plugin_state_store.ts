import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

/** PostgreSQL channel every instance listens on for enable/disable/settings changes. */
export const PLUGINS_CHANNEL = 'chasqui_plugins'

export interface PluginStateRow {
  key: string
  enabled: boolean
  settings: Record<string, unknown>
  /** Ciphertext of the secret settings (see PluginSettings). */
  secrets: string | null
  installedVersion: string | null
  updatedAt: string
}

/**
 * The `plugin_states` table: whether each installed plugin is enabled and
 * its settings. One row per plugin, created the first time it is touched.
 */
export class PluginStateStore {
  async all(): Promise<Map<string, PluginStateRow>> {
    const rows = await db.from('plugin_states').select('*')
    return new Map(rows.map((row) => [row.key as string, this.#toRow(row)]))
  }

  async saveEnabled(
    input: { key: string; enabled: boolean; version: string; actorId: number | null },
    client: TransactionClientContract
  ) {
    const result = await client.rawQuery(
      `INSERT INTO plugin_states (key, enabled, installed_version, updated_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, now(), now())
       ON CONFLICT (key) DO UPDATE SET enabled = EXCLUDED.enabled,
         installed_version = EXCLUDED.installed_version, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING *`,
      bindings([input.key, input.enabled, input.version, input.actorId])
    )
    return this.#toRow(result.rows[0])
  }

  async saveSettings(
    input: {
      key: string
      settings: Record<string, unknown>
      secrets: string | null
      actorId: number | null
    },
    client: TransactionClientContract
  ) {
    const result = await client.rawQuery(
      `INSERT INTO plugin_states (key, enabled, settings, secrets, updated_by, created_at, updated_at)
       VALUES (?, false, ?::jsonb, ?, ?, now(), now())
       ON CONFLICT (key) DO UPDATE SET settings = EXCLUDED.settings, secrets = EXCLUDED.secrets,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING *`,
      bindings([input.key, JSON.stringify(input.settings), input.secrets, input.actorId])
    )
    return this.#toRow(result.rows[0])
  }

  /** Tells every instance (this one included) to re-read plugin_states. */
  async notify(key: string) {
    await db.rawQuery('SELECT pg_notify(?, ?)', [PLUGINS_CHANNEL, key])
  }

  #toRow(row: Record<string, any>): PluginStateRow {
    const updatedAt =
      row.updated_at instanceof Date ? row.updated_at.toISOString() : String(row.updated_at)
    return {
      key: row.key,
      enabled: Boolean(row.enabled),
      settings: typeof row.settings === 'string' ? JSON.parse(row.settings) : (row.settings ?? {}),
      secrets: row.secrets ?? null,
      installedVersion: row.installed_version ?? null,
      updatedAt,
    }
  }
}

/** Lucid's binding type omits null, which node-postgres sends as SQL NULL. */
const bindings = (values: unknown[]) => values as any[]

/** Missing table (fresh database before its first migration): nothing is enabled yet. */
export function isMissingTable(error: unknown) {
  return (error as { code?: string }).code === '42P01'
}
