import type { VineObject } from '@vinejs/vine'
import type { Logger } from '@adonisjs/core/logger'
import type { Router } from '@adonisjs/core/http'
import type { EventsList } from '@adonisjs/core/types'
import type { Database } from '@adonisjs/lucid/database'
import type User from '#models/user'
import type { PermissionDefinition } from '#permissions/permission_registry'
import type { NavEntry } from '#services/navigation'
import type { SystemEventInput } from '#services/system_event_log'
import type { middleware } from '#start/kernel'

/**
 * The plugin contract (DESIGN §4, docs/PLUGINS.md). A plugin is one object
 * made with `definePlugin()`; it reaches the core only through the context it
 * is given, never by importing core internals.
 */

export type PluginKind = 'channel' | 'feature'

/** Every text a plugin shows comes in both interface languages. */
export interface Translated {
  es: string
  en: string
}

export type SettingsFieldType =
  'text' | 'password' | 'number' | 'boolean' | 'select' | 'textarea' | 'url'

/** How one settings field is drawn in Settings → Plugins (the schema decides what is valid). */
export interface SettingsField {
  label: Translated
  type: SettingsFieldType
  options?: { value: string; label: Translated }[]
  help?: Translated
  /** Only draws the asterisk; the VineJS schema is what enforces it. */
  required?: boolean
}

export type AnySettingsSchema = VineObject<any, any, any, any>

export interface PluginSettingsSpec<Settings extends Record<string, any> = Record<string, any>> {
  /** A `vine.object({...})` schema: validates what an admin saves. */
  schema: VineObject<any, any, Settings, any>
  defaults?: Partial<Settings>
  /** Fields encrypted at rest and never sent back to a browser. */
  secrets?: (keyof Settings & string)[]
  /** UI metadata per schema field, in form order. Every schema field needs one. */
  fields: { [K in keyof Settings & string]: SettingsField }
}

/** `'hello'` or `{ key: 'hello', version: '^0.1.0' }`. */
export type PluginDependency = string | { key: string; version: string }

export interface PluginManifest<Settings extends Record<string, any> = Record<string, any>> {
  /** snake_case, stable: it names the plugin's row, routes prefix, view disk, permissions' source. */
  key: string
  name: Translated
  description: Translated
  /** semver of the plugin itself. */
  version: string
  kind: PluginKind
  /** semver range the core (package.json `version`) must satisfy. */
  coreVersion: string
  dependencies?: PluginDependency[]
  settings?: PluginSettingsSpec<Settings>
  /** Added to the role × permission matrix with `source = key`. */
  permissions?: Omit<PermissionDefinition, 'source'>[]
  /** Main navigation entries, visible only while the plugin is enabled. */
  nav?: Omit<NavEntry, 'when'>[]
  /** Names of the events this plugin may emit through `ctx.events.emit()`. */
  events?: string[]
}

/** Named route middleware a plugin may put on its routes (`auth`, `can`, …). */
export type PluginRouteMiddleware = typeof middleware

export type PluginRoutes = (router: Router, middleware: PluginRouteMiddleware) => void

/** A declared job; the scheduler that runs them arrives with the job runner. */
export interface PluginJob {
  name: string
  /**
   * How often it runs, as a human interval ('30s', '5m', '1h'; at least 1s).
   * Runs once per interval across all instances sharing the database.
   */
  schedule: string
  run(): Promise<void> | void
}

/**
 * Services the core lends to plugins. Other parts of the core add theirs by
 * declaration merging (the channel port adds `ingest`, `outbound`, …):
 *
 *   declare module '#plugin_host/contract' {
 *     interface PluginPorts { ingest: IngestPort }
 *   }
 *
 * and provide the implementation with `pluginHost.providePort('ingest', impl)`.
 */
export interface PluginPorts {}

/** A lazy import of a plugin's ace command module (default export: the command class). */
export type PluginCommandImport = () => Promise<{ default: any }>

export interface PluginContext<Settings extends Record<string, any> = Record<string, any>> {
  readonly key: string
  readonly manifest: PluginManifest<Settings>
  /** Child logger tagged with `plugin: key`. */
  readonly logger: Logger

  /* ---- declarations: only inside register(), no I/O ---- */

  /** Routes mounted once at boot under `/<key>` (underscores become dashes), 404 while disabled. */
  routes(define: PluginRoutes): void
  /**
   * Public provider callbacks mounted once at boot under `/webhooks` (no prefix of the key, CSRF
   * and setup redirects skipped), 404 while disabled: e.g. `router.post('/meta', …)` answers
   * `POST /webhooks/meta`. Verify each request yourself (signatures).
   */
  webhooks(define: PluginRoutes): void
  /** Mounts an Edge disk `key::` (default `plugins/<key>/views`). */
  views(directory?: string | URL): void
  /** Adds a migrations folder to Lucid's paths (default `plugins/<key>/migrations`). */
  migrations(directory?: string | URL): void
  jobs: {
    define(job: PluginJob): void
  }
  /* ---- usable at any time after register() ---- */

  events: {
    /** Declared in register(); subscribed only while the plugin is active. */
    on<Name extends keyof EventsList>(
      event: Name,
      handler: (payload: EventsList[Name]) => void | Promise<void>
    ): void
    /** Only events listed in `manifest.events` may be emitted. */
    emit(event: string, payload: unknown): Promise<void>
  }
  settings: {
    /** Defaults merged with saved settings and decrypted secrets. */
    get(): Settings
  }
  systemEvents: {
    /** The critical-events log, with `source` set to the plugin key. */
    record(input: Omit<SystemEventInput, 'source'>): Promise<void>
  }
  permissions: {
    /** Whether a user holds a permission (for checks inside handlers). */
    allows(user: User, permission: string): Promise<boolean>
  }
  /** True while the plugin is running in this process. */
  isActive(): boolean
  /** Lucid, for the plugin's own tables (created by its migrations). Core data goes through ports. */
  readonly db: Database
  readonly ports: PluginPorts
}

export interface PluginDefinition<Settings extends Record<string, any> = Record<string, any>> {
  manifest: PluginManifest<Settings>
  /**
   * Ace commands (lazy imports of modules whose default export extends
   * BaseCommand). Listed by `npm run ace` before the app boots, whether or
   * not the plugin is enabled; a command never runs the plugin, it reaches
   * the core through the ports of the context register() received.
   */
  commands?: PluginCommandImport[]
  /** Declare only: routes, views, migrations, listeners, jobs. Runs at boot for every installed plugin. */
  register?(ctx: PluginContext<Settings>): void
  /** Start work (sockets, timers). Throwing leaves the plugin disabled with a critical system event. */
  activate?(ctx: PluginContext<Settings>): void | Promise<void>
  /** Stop every piece of work activate started; must also cope with a half-finished activate. */
  deactivate?(ctx: PluginContext<Settings>): void | Promise<void>
  /** Called on a running plugin after an admin saved its settings. */
  onSettingsChanged?(ctx: PluginContext<Settings>): void | Promise<void>
}

/** Identity helper that types the plugin's settings from its schema. */
export function definePlugin<Settings extends Record<string, any>>(
  definition: PluginDefinition<Settings>
): PluginDefinition<Settings> {
  return definition
}

/** What config/plugins.ts lists: lazy imports of each installed plugin's index. */
export type PluginImport = () => Promise<{ default: PluginDefinition<any> }>

export interface PluginsConfig {
  plugins: PluginImport[]
}

export function definePluginsConfig(config: PluginsConfig): PluginsConfig {
  return config
}
