import type { ApplicationService } from '@adonisjs/core/types'
import { EmbeddedCluster } from '#providers/embedded_database/cluster'

/**
 * Starts the embedded PostgreSQL cluster before Lucid boots (it is listed
 * before Lucid's provider in adonisrc.ts) and stops it last on shutdown.
 * Does nothing when DATABASE_URL points at an external server.
 */
export default class EmbeddedDatabaseProvider {
  #cluster?: EmbeddedCluster

  constructor(protected app: ApplicationService) {}

  async boot() {
    const settings =
      this.app.config.get<typeof import('#config/embedded_database').default>('embedded_database')
    if (!settings.enabled) return
    this.#cluster = new EmbeddedCluster({
      ...settings,
      onLog: (line) => {
        if (process.env.EMBEDDED_PG_DEBUG) process.stderr.write(line)
      },
    })
    await this.#cluster.start()
    // Lucid (booted after this provider) connects through the socket when the server has one.
    const socketDir = this.#cluster.connectableSocketDir()
    if (socketDir) this.app.config.set('database.connections.postgres.connection.host', socketDir)
  }

  async shutdown() {
    await this.#cluster?.stop()
  }
}
