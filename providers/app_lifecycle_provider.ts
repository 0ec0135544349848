import type { ApplicationService } from '@adonisjs/core/types'
import permissionRegistry from '#permissions/permission_registry'
import corePermissions from '#permissions/core_permissions'

/**
 * Chasqui's own boot sequence: register the core's permissions and, for the
 * web server, apply pending migrations and sync roles before listening — so
 * `npm start` on a fresh clone needs no separate migrate step.
 */
export default class AppLifecycleProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    for (const permission of corePermissions) permissionRegistry.register(permission)
  }

  async start() {
    if (this.app.getEnvironment() !== 'web') return
    const env = (await import('#start/env')).default
    if (env.get('CHASQUI_AUTO_MIGRATE', true)) await this.#migrate()
    const { default: bootstrapper } = await import('#services/install_bootstrapper')
    await bootstrapper.run()
  }

  async #migrate() {
    const db = await this.app.container.make('lucid.db')
    const { MigrationRunner } = await import('@adonisjs/lucid/migration')
    const migrator = new MigrationRunner(db, this.app, { direction: 'up', dryRun: false })
    await migrator.run()
    if (migrator.error) throw migrator.error
    const applied = Object.keys(migrator.migratedFiles).length
    if (applied) {
      const logger = await this.app.container.make('logger')
      logger.info('applied %d migration(s)', applied)
    }
  }
}
