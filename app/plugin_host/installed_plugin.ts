import type {
  PluginContext,
  PluginDefinition,
  PluginJob,
  PluginManifest,
  PluginRoutes,
} from '#plugin_host/contract'
import type { NormalizedDependency } from '#plugin_host/manifest_checks'
import { PluginSettings } from '#plugin_host/plugin_settings'
import type { PluginStateRow } from '#plugin_host/plugin_state_store'

export type PluginStatus = 'active' | 'failed' | 'disabled'

export interface DeclaredListener {
  event: string
  handler: (payload: any) => void | Promise<void>
}

/**
 * One plugin listed in config/plugins.ts: its definition, what its
 * register() declared, and its state in this process.
 */
export class InstalledPlugin {
  readonly settings: PluginSettings
  context!: PluginContext

  /* declared by register() */
  readonly routes: PluginRoutes[] = []
  readonly webhookRoutes: PluginRoutes[] = []
  readonly listeners: DeclaredListener[] = []
  readonly jobs: PluginJob[] = []
  viewsPath: string | null = null
  migrationsPath: string | null = null
  registering = false

  /* state */
  /** Enabled in plugin_states (what admins asked for). */
  enabled = false
  /** activate() succeeded in this process and deactivate() has not run since. */
  running = false
  /** Why it is not running although enabled (activate threw, a dependency is off). */
  error: string | null = null
  savedSettings: Record<string, unknown> = {}
  secrets: Record<string, unknown> = {}
  /** Identity of the stored row, to notice changes made by another instance. */
  fingerprint = ''
  /** The row fingerprint activate() last failed on: not retried until something changes. */
  failedFingerprint: string | null = null
  unsubscribers: (() => void)[] = []

  constructor(
    readonly definition: PluginDefinition<any>,
    readonly dependencies: NormalizedDependency[]
  ) {
    this.settings = new PluginSettings(definition.manifest)
  }

  get manifest(): PluginManifest {
    return this.definition.manifest
  }

  get key() {
    return this.manifest.key
  }

  /** URL prefix of its routes: `/contact-sync` for `contact_sync`. */
  get routePrefix() {
    return `/${this.key.replaceAll('_', '-')}`
  }

  status(runsPlugins: boolean): PluginStatus {
    if (!this.enabled) return 'disabled'
    return !runsPlugins || this.running ? 'active' : 'failed'
  }

  dependsOn(key: string) {
    return this.dependencies.some((dependency) => dependency.key === key)
  }

  /** Settings for the plugin: defaults, then saved values, then decrypted secrets. */
  currentSettings() {
    return this.settings.merge(this.savedSettings, this.secrets)
  }

  static fingerprintOf(row: PluginStateRow | undefined) {
    return row ? JSON.stringify([row.enabled, row.settings, row.secrets]) : ''
  }
}
