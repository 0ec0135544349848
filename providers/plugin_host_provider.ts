import { readFile } from 'node:fs/promises'
import type { ApplicationService } from '@adonisjs/core/types'
import type { PluginsConfig } from '#plugin_host/contract'
import type { PluginStateWatcher } from '#plugin_host/plugin_state_watcher'
import type { PluginJobRunner } from '#plugin_host/plugin_job_runner'

/**
 * Loads the plugins listed in config/plugins.ts at boot (failing fast, naming
 * the plugin, when one cannot be installed), runs their register(), mounts
 * their Edge disks and adds their migrations to Lucid's paths — before the
 * app auto-migrates. Routes are mounted by the start/plugins.ts preload.
 * Once the database is ready, enabled plugins are activated (web and test
 * only: ace commands change state, they never run plugins).
 */
export default class PluginHostProvider {
  #watcher?: PluginStateWatcher
  #jobs?: PluginJobRunner

  constructor(protected app: ApplicationService) {}

  async boot() {
    const { default: pluginHost } = await import('#plugin_host/plugin_host')
    const config = this.app.config.get<PluginsConfig>('plugins', { plugins: [] })
    const pkg = JSON.parse(await readFile(this.app.makePath('package.json'), 'utf8'))

    pluginHost.configure({
      coreVersion: pkg.version,
      appRoot: this.app.appRoot,
      logger: await this.app.container.make('logger'),
      runsPlugins: ['web', 'test'].includes(this.app.getEnvironment()),
    })
    const definitions = await Promise.all(
      config.plugins.map(async (load) => (await load()).default)
    )
    await pluginHost.load(definitions)

    const { default: edge } = await import('edge.js')
    for (const disk of pluginHost.viewDisks) edge.mount(disk.name, disk.path)

    // Lucid reads this array whenever it runs migrations (migration:run, the
    // server's auto-migrate, the tests), so installed plugins' tables follow.
    const database = this.app.config.get<any>('database')
    const migrations = (database.connections[database.connection].migrations ??= {})
    migrations.paths = [
      ...(migrations.paths ?? ['database/migrations']),
      ...pluginHost.migrationPaths,
    ]
  }

  async ready() {
    const environment = this.app.getEnvironment()
    if (!['web', 'test'].includes(environment)) return
    const { default: pluginHost } = await import('#plugin_host/plugin_host')
    await pluginHost.reloadStates()
    if (environment !== 'web') return

    const { PluginStateWatcher } = await import('#plugin_host/plugin_state_watcher')
    const db = await this.app.container.make('lucid.db')
    this.#watcher = new PluginStateWatcher({
      connection: db.getRawConnection(db.primaryConnectionName)!.config.connection as any,
      onChange: () => pluginHost.reloadStates(),
      logger: await this.app.container.make('logger'),
    })
    await this.#watcher.start()

    const { PluginJobRunner } = await import('#plugin_host/plugin_job_runner')
    this.#jobs = new PluginJobRunner(
      { jobs: () => pluginHost.declaredJobs(), isActive: (key) => pluginHost.isActive(key) },
      await this.app.container.make('logger')
    )
    this.#jobs.start()
  }

  async shutdown() {
    this.#jobs?.stop()
    await this.#watcher?.stop()
    const { default: pluginHost } = await import('#plugin_host/plugin_host')
    await pluginHost.stopAll()
  }
}
