import pg from 'pg'
import type { Logger } from '@adonisjs/core/logger'
import { PLUGINS_CHANNEL } from '#plugin_host/plugin_state_store'

export interface WatcherOptions {
  /** node-postgres connection settings (Lucid's connection config). */
  connection: pg.ClientConfig | string
  /** Called (debounced) when another instance, or this one, changed plugin_states. */
  onChange: () => Promise<void>
  logger: Logger
  /** Safety net: re-read anyway this often, in case a notification was missed while reconnecting. */
  pollMs?: number
  reconnectMs?: number
  debounceMs?: number
}

/**
 * Keeps several Chasqui instances in step: every change to plugin_states is
 * followed by `NOTIFY chasqui_plugins`, and each instance LISTENs on its own
 * dedicated connection (a pooled one cannot hold LISTEN) and re-reads the
 * table. A slow poll covers notifications lost while the connection was down.
 */
export class PluginStateWatcher {
  #client?: pg.Client
  #stopped = false
  #poll?: NodeJS.Timeout
  #reconnect?: NodeJS.Timeout
  #debounce?: NodeJS.Timeout

  constructor(private options: WatcherOptions) {}

  async start() {
    this.#stopped = false
    await this.#connect()
    const pollMs = this.options.pollMs ?? 60_000
    if (pollMs > 0) {
      this.#poll = setInterval(() => this.#changed(), pollMs)
      this.#poll.unref()
    }
  }

  async stop() {
    this.#stopped = true
    clearInterval(this.#poll)
    clearTimeout(this.#reconnect)
    clearTimeout(this.#debounce)
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  async #connect() {
    const config = this.options.connection
    const client = new pg.Client(typeof config === 'string' ? { connectionString: config } : config)
    client.on('notification', (message) => {
      if (message.channel === PLUGINS_CHANNEL) this.#changed()
    })
    client.on('error', (error) => this.#lost(client, error))
    client.on('end', () => this.#lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${PLUGINS_CHANNEL}`)
      this.#client = client
    } catch (error) {
      this.#lost(client, error as Error)
    }
  }

  #lost(client: pg.Client, error?: Error) {
    if (this.#stopped || (this.#client && this.#client !== client)) return
    this.#client = undefined
    if (error) this.options.logger.warn({ err: error }, 'plugin state listener lost its connection')
    client.end().catch(() => {})
    clearTimeout(this.#reconnect)
    this.#reconnect = setTimeout(async () => {
      await this.#connect()
      // Whatever happened while disconnected.
      this.#changed()
    }, this.options.reconnectMs ?? 5_000)
    this.#reconnect.unref()
  }

  /** Several notifications in a burst cause one re-read. */
  #changed() {
    if (this.#stopped) return
    clearTimeout(this.#debounce)
    this.#debounce = setTimeout(() => {
      this.options.onChange().catch((error) => {
        this.options.logger.error({ err: error }, 'could not reload plugin states')
      })
    }, this.options.debounceMs ?? 100)
  }
}
