import { fileURLToPath } from 'node:url'
import semver from 'semver'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import coreLogger from '@adonisjs/core/services/logger'
import type { Logger } from '@adonisjs/core/logger'
import type { Router } from '@adonisjs/core/http'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import type { PluginJob, PluginPorts, PluginRouteMiddleware } from '#plugin_host/contract'
import { InstalledPlugin } from '#plugin_host/installed_plugin'
import { checkDefinition, normalizeDependencies } from '#plugin_host/manifest_checks'
import { createPluginContext } from '#plugin_host/plugin_context'
import { PluginBootError, PluginError } from '#plugin_host/plugin_errors'
import type { SettingsSubmission } from '#plugin_host/plugin_settings'
import {
  isMissingTable,
  PluginStateStore,
  type PluginStateRow,
} from '#plugin_host/plugin_state_store'
import permissionRegistry, { type PermissionRegistry } from '#permissions/permission_registry'
import navigation, { type Navigation } from '#services/navigation'
import auditTrail from '#services/audit_trail'
import systemEventLog from '#services/system_event_log'

export interface PluginHostOptions {
  /** Chasqui's own version (package.json), checked against each manifest's coreVersion. */
  coreVersion: string
  appRoot: URL
  permissions: PermissionRegistry
  navigation: Navigation
  logger?: Logger
  /**
   * The web server and the tests run plugins (activate/deactivate). Ace
   * commands only change plugin_states; running servers follow through
   * PostgreSQL NOTIFY.
   */
  runsPlugins: boolean
  activationTimeoutMs: number
}

/**
 * The plugin host: loads the plugins listed in config/plugins.ts, checks
 * them at boot, runs their register(), and enables/disables them at runtime
 * from plugin_states without a restart. See docs/PLUGINS.md.
 */
export class PluginHost {
  #options: PluginHostOptions
  /** Installed plugins in dependency order (dependencies first). */
  #plugins = new Map<string, InstalledPlugin>()
  #loaded = false
  #ports: Record<string, unknown> = {}
  #portFactories: Record<string, (pluginKey: string) => unknown> = {}
  #store = new PluginStateStore()
  #queue: Promise<unknown> = Promise.resolve()

  readonly ports: PluginPorts

  constructor(options: Partial<PluginHostOptions> = {}) {
    this.#options = {
      coreVersion: '0.0.0',
      appRoot: new URL('../../', import.meta.url),
      permissions: permissionRegistry,
      navigation,
      runsPlugins: true,
      activationTimeoutMs: 30_000,
      ...options,
    }
    const ports = this.#ports
    this.ports = new Proxy({} as PluginPorts, {
      get(_target, name) {
        if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined
        if (!(name in ports)) throw new Error(`The core provides no "${name}" port`)
        return ports[name]
      },
    })
  }

  configure(options: Partial<PluginHostOptions>) {
    this.#options = { ...this.#options, ...options }
  }

  get runsPlugins() {
    return this.#options.runsPlugins
  }

  /* ------------------------------------------------------------------ boot */

  /**
   * Checks every definition and runs its register(). Throws a
   * PluginBootError naming the plugin on an invalid manifest, a duplicate
   * key, a core-version mismatch, a missing dependency or a dependency cycle.
   */
  async load(definitions: unknown[]) {
    if (this.#loaded) throw new Error('Plugins are already loaded')
    const found = new Map<string, InstalledPlugin>()
    for (const [index, definition] of definitions.entries()) {
      const manifest = await checkDefinition(definition, index)
      if (found.has(manifest.key)) {
        throw new PluginBootError(manifest.key, 'another installed plugin already uses this key')
      }
      const range = manifest.coreVersion
      if (!semver.satisfies(this.#options.coreVersion, range, { includePrerelease: true })) {
        throw new PluginBootError(
          manifest.key,
          `it needs Chasqui ${range}, and this is Chasqui ${this.#options.coreVersion}`
        )
      }
      found.set(
        manifest.key,
        new InstalledPlugin(definition as any, normalizeDependencies(manifest))
      )
    }
    for (const plugin of found.values()) {
      for (const dependency of plugin.dependencies) {
        const target = found.get(dependency.key)
        if (!target) {
          throw new PluginBootError(
            plugin.key,
            `it depends on "${dependency.key}", which is not installed`
          )
        }
        if (
          !semver.satisfies(target.manifest.version, dependency.range, { includePrerelease: true })
        ) {
          throw new PluginBootError(
            plugin.key,
            `it depends on "${dependency.key}" ${dependency.range}, and ${target.manifest.version} is installed`
          )
        }
      }
    }
    for (const plugin of dependencyOrder(found)) this.#plugins.set(plugin.key, plugin)
    this.#loaded = true
    for (const plugin of this.#plugins.values()) this.#register(plugin)
  }

  #register(plugin: InstalledPlugin) {
    plugin.context = createPluginContext(plugin, {
      appRoot: fileURLToPath(this.#options.appRoot),
      logger: () => this.#logger(),
      isActive: (key) => this.isActive(key),
      ports: this.#portsFor(plugin.key),
    })
    plugin.registering = true
    try {
      const result = plugin.definition.register?.(plugin.context) as unknown
      if (result instanceof Promise) {
        throw new Error('register() must declare synchronously; do I/O in activate()')
      }
      for (const permission of plugin.manifest.permissions ?? []) {
        this.#options.permissions.register({ ...permission, source: plugin.key })
      }
      for (const entry of plugin.manifest.nav ?? []) {
        this.#options.navigation.add({
          ...entry,
          key: `plugin.${plugin.key}.${entry.key}`,
          when: () => this.isActive(plugin.key),
        })
      }
    } catch (error) {
      throw new PluginBootError(plugin.key, `register() failed: ${(error as Error).message}`)
    } finally {
      plugin.registering = false
    }
  }

  /** Mounts every installed plugin's routes once, guarded by `pluginActive` (start/plugins.ts). */
  mountRoutes(router: Router, middleware: PluginRouteMiddleware) {
    for (const plugin of this.#plugins.values()) {
      for (const define of plugin.routes) {
        router
          .group(() => define(router, middleware))
          .prefix(plugin.routePrefix)
          .as(plugin.key)
          .use(middleware.pluginActive({ key: plugin.key }))
      }
      for (const define of plugin.webhookRoutes) {
        router
          .group(() => define(router, middleware))
          .prefix('/webhooks')
          .as(`${plugin.key}.webhooks`)
          .use(middleware.pluginActive({ key: plugin.key }))
      }
    }
  }

  get plugins() {
    return [...this.#plugins.values()]
  }

  find(key: string) {
    return this.#plugins.get(key)
  }

  /** Edge disks to mount: `key::template`. */
  get viewDisks() {
    return this.plugins.filter((p) => p.viewsPath).map((p) => ({ name: p.key, path: p.viewsPath! }))
  }

  /** Migration folders to add to Lucid's paths, relative to the app root. */
  get migrationPaths() {
    return this.plugins.filter((p) => p.migrationsPath).map((p) => p.migrationsPath!)
  }

  /** Every installed plugin's declared jobs; the job runner runs those of active plugins. */
  declaredJobs(): { plugin: string; job: PluginJob }[] {
    return this.plugins.flatMap((p) => p.jobs.map((job) => ({ plugin: p.key, job })))
  }

  /** The core lends a service to plugins (`ctx.ports.<name>`). */
  providePort<Name extends keyof PluginPorts>(name: Name, implementation: PluginPorts[Name]) {
    this.#ports[name as string] = implementation
  }

  /**
   * The core lends a service scoped to each plugin (`ctx.ports.<name>` is
   * `factory(pluginKey)`, built once per plugin on first use) — e.g. the
   * ingest port, which refuses connections the plugin does not own.
   */
  providePortFactory<Name extends keyof PluginPorts>(
    name: Name,
    factory: (pluginKey: string) => PluginPorts[Name]
  ) {
    this.#portFactories[name as string] = factory
  }

  /** A plugin's `ctx.ports`: its scoped ports first, then the shared ones. */
  #portsFor(pluginKey: string): PluginPorts {
    const factories = this.#portFactories
    const shared = this.ports as unknown as Record<string, unknown>
    const built: Record<string, unknown> = {}
    return new Proxy({} as PluginPorts, {
      get(_target, name) {
        if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined
        if (name in factories) return (built[name] ??= factories[name](pluginKey))
        return shared[name]
      },
    })
  }

  /* --------------------------------------------------------------- runtime */

  /** Enabled and (where plugins run) started: its routes answer and its nav shows. */
  isActive(key: string) {
    const plugin = this.#plugins.get(key)
    if (!plugin?.enabled) return false
    return this.runsPlugins ? plugin.running : true
  }

  /**
   * Brings this process in line with plugin_states: starts what is enabled,
   * stops what is not, tells running plugins their settings changed. Called
   * once the database is ready, on NOTIFY from another instance, and by the
   * tests after they empty the database.
   */
  async reloadStates() {
    return this.#exclusive(async () => {
      let rows: Map<string, PluginStateRow>
      try {
        rows = await this.#store.all()
      } catch (error) {
        if (!isMissingTable(error)) throw error
        rows = new Map()
      }
      const wanted = (plugin: InstalledPlugin) =>
        Boolean(rows.get(plugin.key)?.enabled) &&
        plugin.dependencies.every((dependency) => rows.get(dependency.key)?.enabled)

      // Stop first, dependents before what they depend on.
      for (const plugin of this.plugins.reverse()) {
        if (plugin.running && !wanted(plugin)) await this.#stop(plugin)
      }
      for (const plugin of this.plugins) {
        const row = rows.get(plugin.key)
        const settingsChanged = this.#applyRow(plugin, row)
        if (!plugin.enabled) plugin.error = null
        if (!this.runsPlugins || !plugin.enabled) continue
        if (!plugin.running) {
          if (plugin.failedFingerprint !== plugin.fingerprint) await this.#start(plugin)
        } else if (settingsChanged) {
          await this.#notifySettingsChanged(plugin)
        }
      }
    })
  }

  /** Enables a plugin (its dependencies must be enabled), persists, audits, starts it. */
  async enable(key: string, actorId: number | null) {
    return this.#exclusive(async () => {
      const plugin = this.#get(key)
      for (const dependency of plugin.dependencies) {
        if (!this.isActive(dependency.key)) {
          throw new PluginError(
            'dependency_inactive',
            `"${key}" needs "${dependency.key}" enabled first`,
            { dependency: dependency.key }
          )
        }
      }
      let started = false
      if (this.runsPlugins && !plugin.running) {
        const failure = await this.#start(plugin)
        if (failure) {
          throw new PluginError('activation_failed', `"${key}" failed to start: ${failure}`, {
            message: failure,
          })
        }
        started = true
      }
      if (plugin.enabled) return started
      try {
        const row = await db.transaction(async (trx) => {
          const saved = await this.#store.saveEnabled(
            { key, enabled: true, version: plugin.manifest.version, actorId },
            trx
          )
          await auditTrail.record(
            {
              actorId,
              action: 'plugin.enabled',
              subjectType: 'plugin',
              subjectId: key,
              before: { enabled: false },
              after: { enabled: true, version: plugin.manifest.version },
            },
            trx
          )
          return saved
        })
        this.#applyRow(plugin, row)
      } catch (error) {
        if (plugin.running) await this.#stop(plugin)
        throw error
      }
      await this.#announce(plugin, 'plugin.enabled', `Plugin ${key} enabled`, actorId)
      return true
    })
  }

  /** Disables a plugin unless an enabled plugin depends on it; persists, audits, stops it. */
  async disable(key: string, actorId: number | null) {
    return this.#exclusive(async () => {
      const plugin = this.#get(key)
      const dependents = this.plugins.filter(
        (other) => (other.enabled || other.running) && other.dependsOn(key)
      )
      if (dependents.length) {
        const keys = dependents.map((other) => other.key).join(', ')
        throw new PluginError(
          'required_by',
          `"${key}" is required by ${keys}; disable those first`,
          {
            dependents: keys,
          }
        )
      }
      const wasEnabled = plugin.enabled
      if (wasEnabled) {
        const row = await db.transaction(async (trx) => {
          const saved = await this.#store.saveEnabled(
            { key, enabled: false, version: plugin.manifest.version, actorId },
            trx
          )
          await auditTrail.record(
            {
              actorId,
              action: 'plugin.disabled',
              subjectType: 'plugin',
              subjectId: key,
              before: { enabled: true },
              after: { enabled: false },
            },
            trx
          )
          return saved
        })
        this.#applyRow(plugin, row)
      }
      if (plugin.running) await this.#stop(plugin)
      plugin.error = null
      if (wasEnabled)
        await this.#announce(plugin, 'plugin.disabled', `Plugin ${key} disabled`, actorId)
      return wasEnabled
    })
  }

  /**
   * Validates and stores an admin's settings. Throws VineJS's validation
   * error (nothing saved) on bad input. Secrets are encrypted; the audit
   * entry names changed secrets but never holds their values.
   */
  async saveSettings(
    key: string,
    submission: SettingsSubmission,
    actorId: number | null,
    messagesProvider?: MessagesProviderContact
  ) {
    return this.#exclusive(async () => {
      const plugin = this.#get(key)
      if (!plugin.settings.hasForm) {
        throw new PluginError('no_settings', `"${key}" has no settings`)
      }
      const before = { ...plugin.savedSettings }
      const result = await plugin.settings.validate(submission, plugin.secrets, messagesProvider)
      const row = await db.transaction(async (trx) => {
        const saved = await this.#store.saveSettings(
          {
            key,
            settings: result.settings,
            secrets: plugin.settings.encrypt(result.secrets),
            actorId,
          },
          trx
        )
        await auditTrail.record(
          {
            actorId,
            action: 'plugin.settings_updated',
            subjectType: 'plugin',
            subjectId: key,
            before: { settings: before },
            after: { settings: result.settings, changedSecrets: result.changedSecrets },
          },
          trx
        )
        return saved
      })
      this.#applyRow(plugin, row)
      if (plugin.running) await this.#notifySettingsChanged(plugin)
      await this.#store.notify(key)
    })
  }

  /** Deactivates every running plugin (process shutdown), dependents first. */
  async stopAll() {
    return this.#exclusive(async () => {
      for (const plugin of this.plugins.reverse()) {
        if (plugin.running) await this.#stop(plugin)
      }
    })
  }

  /* ------------------------------------------------------------- internals */

  #get(key: string) {
    const plugin = this.#plugins.get(key)
    if (!plugin)
      throw new PluginError('unknown_plugin', `No installed plugin is called "${key}"`, { key })
    return plugin
  }

  /** Takes a stored row into memory; returns whether the settings changed. */
  #applyRow(plugin: InstalledPlugin, row: PluginStateRow | undefined) {
    const fingerprint = InstalledPlugin.fingerprintOf(row)
    const before = plugin.fingerprint
    plugin.enabled = row?.enabled ?? false
    plugin.fingerprint = fingerprint
    if (fingerprint === before) return false
    const previousSettings = JSON.stringify([plugin.savedSettings, plugin.secrets])
    plugin.savedSettings = row?.settings ?? {}
    const secrets = plugin.settings.decrypt(row?.secrets ?? null)
    if (secrets === null) {
      plugin.secrets = {}
      void systemEventLog.record({
        level: 'warning',
        category: 'plugin.secrets_unreadable',
        source: plugin.key,
        message: `The saved secrets of plugin ${plugin.key} cannot be decrypted (was APP_KEY changed?); enter them again`,
      })
    } else {
      plugin.secrets = secrets
    }
    return JSON.stringify([plugin.savedSettings, plugin.secrets]) !== previousSettings
  }

  /** Starts a plugin; returns the failure message, if any (already reported as critical). */
  async #start(plugin: InstalledPlugin): Promise<string | null> {
    const missing = plugin.dependencies.find(
      (dependency) => !this.#plugins.get(dependency.key)?.running
    )
    let failure: string | null = null
    if (missing) {
      failure = `dependency "${missing.key}" is not active`
    } else {
      try {
        await withTimeout(
          Promise.resolve(plugin.definition.activate?.(plugin.context)),
          this.#options.activationTimeoutMs,
          'activate() timed out'
        )
        for (const listener of plugin.listeners) {
          plugin.unsubscribers.push(
            emitter.on(listener.event as any, this.#guard(plugin, listener.handler))
          )
        }
        plugin.running = true
        plugin.error = null
        plugin.failedFingerprint = null
        return null
      } catch (error) {
        failure = (error as Error).message || String(error)
        // Let the plugin release whatever a half-finished activate() opened.
        await Promise.resolve(plugin.definition.deactivate?.(plugin.context)).catch(() => {})
      }
    }
    plugin.running = false
    plugin.error = failure
    plugin.failedFingerprint = plugin.fingerprint
    this.#logger().error({ plugin: plugin.key, reason: failure }, 'plugin failed to start')
    await systemEventLog.record({
      level: 'critical',
      category: 'plugin.activation_failed',
      source: plugin.key,
      message: `Plugin ${plugin.key} could not start and stays disabled: ${failure}`,
    })
    return failure
  }

  async #stop(plugin: InstalledPlugin) {
    for (const unsubscribe of plugin.unsubscribers.splice(0)) unsubscribe()
    plugin.running = false
    try {
      await withTimeout(
        Promise.resolve(plugin.definition.deactivate?.(plugin.context)),
        this.#options.activationTimeoutMs,
        'deactivate() timed out'
      )
    } catch (error) {
      await systemEventLog.record({
        level: 'warning',
        category: 'plugin.deactivation_failed',
        source: plugin.key,
        message: `Plugin ${plugin.key} did not stop cleanly: ${(error as Error).message}`,
      })
    }
  }

  async #notifySettingsChanged(plugin: InstalledPlugin) {
    try {
      await plugin.definition.onSettingsChanged?.(plugin.context)
    } catch (error) {
      await systemEventLog.record({
        level: 'critical',
        category: 'plugin.crashed',
        source: plugin.key,
        message: `Plugin ${plugin.key} failed applying its new settings: ${(error as Error).message}`,
      })
    }
  }

  /** A listener error is the plugin's crash, never the emitter's caller's. */
  #guard(plugin: InstalledPlugin, handler: (payload: any) => void | Promise<void>) {
    return async (payload: any) => {
      try {
        await handler(payload)
      } catch (error) {
        this.#logger().error({ plugin: plugin.key, err: error }, 'plugin listener failed')
        await systemEventLog.record({
          level: 'critical',
          category: 'plugin.crashed',
          source: plugin.key,
          message: `Plugin ${plugin.key} failed handling an event: ${(error as Error).message}`,
        })
      }
    }
  }

  async #announce(
    plugin: InstalledPlugin,
    category: string,
    message: string,
    actorId: number | null
  ) {
    await systemEventLog.record({
      level: 'info',
      category,
      source: plugin.key,
      message,
      context: { actorId },
    })
    await this.#store.notify(plugin.key)
  }

  /** One change at a time: an admin's click and a NOTIFY from another instance never interleave. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return run
  }

  #logger() {
    return this.#options.logger ?? coreLogger
  }
}

/** Dependencies before dependents; a cycle fails boot naming a plugin in it. */
function dependencyOrder(plugins: Map<string, InstalledPlugin>) {
  const ordered: InstalledPlugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (plugin: InstalledPlugin, path: string[]) => {
    if (state.get(plugin.key) === 'done') return
    if (state.get(plugin.key) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(plugin.key)), plugin.key].join(' → ')
      throw new PluginBootError(plugin.key, `dependency cycle: ${cycle}`)
    }
    state.set(plugin.key, 'visiting')
    for (const dependency of plugin.dependencies)
      visit(plugins.get(dependency.key)!, [...path, plugin.key])
    state.set(plugin.key, 'done')
    ordered.push(plugin)
  }
  for (const plugin of plugins.values()) visit(plugin, [])
  return ordered
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const pluginHost = new PluginHost()
export default pluginHost
