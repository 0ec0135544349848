import Connection from '#models/connection'
import pluginHost from '#plugin_host/plugin_host'
import type { ChannelDriver } from '#channels/channel_driver'

/** Gives the driver of one of the plugin's connections (called on every send: return a cached instance). */
export type DriverFactory = (connection: Connection) => ChannelDriver | null

/** What a channel plugin receives as `ctx.ports.channels`. */
export interface ChannelsPort {
  /** Declare (in register()) how the core gets the driver of this plugin's connections. */
  registerDriver(factory: DriverFactory): void
  /**
   * A new connection owned by this plugin (state `disconnected`); for its setup commands and pages.
   * A channel at risk of bans (Baileys) passes its default new-contact limits (the core's guard,
   * app/channels/new_contact_guard.ts; admins adjust them per connection).
   */
  createConnection(input: {
    name: string
    phone?: string | null
    newContactsPerHour?: number | null
    newContactsPerDay?: number | null
  }): Promise<Connection>
  /** This plugin's connections, oldest first. */
  connections(): Promise<Connection[]>
  /** One of this plugin's connections, or null (another plugin's connection is never returned). */
  findConnection(id: number): Promise<Connection | null>
}

/**
 * Which plugin drives which connection: `connections.plugin_key` names the
 * owner, the owner registered a driver factory, and it answers only while
 * that plugin is active in this process. The core never names a plugin.
 */
export class ChannelRegistry {
  #factories = new Map<string, DriverFactory>()

  forPlugin(pluginKey: string): ChannelsPort {
    return {
      registerDriver: (factory) => {
        this.#factories.set(pluginKey, factory)
      },
      createConnection: ({ name, phone, newContactsPerHour, newContactsPerDay }) =>
        Connection.create({
          pluginKey,
          name,
          phoneE164: phone ?? null,
          newContactsPerHour: newContactsPerHour ?? null,
          newContactsPerDay: newContactsPerDay ?? null,
          status: 'disconnected',
          settings: {},
          knownClientsOnly: false,
          isActive: true,
        }),
      connections: () =>
        Connection.query().where('plugin_key', pluginKey).orderBy('id', 'asc').exec(),
      findConnection: (id) =>
        Connection.query().where('plugin_key', pluginKey).where('id', id).first(),
    }
  }

  /** The driver of a connection, or null when its plugin is not running here. */
  driverFor(connection: Connection): ChannelDriver | null {
    if (!pluginHost.isActive(connection.pluginKey)) return null
    return this.#factories.get(connection.pluginKey)?.(connection) ?? null
  }

  /** Plugins that can send right now: the dispatcher claims only their connections' rows. */
  activePluginKeys(): string[] {
    return [...this.#factories.keys()].filter((key) => pluginHost.isActive(key))
  }
}

const channelRegistry = new ChannelRegistry()
export const driverFor = (connection: Connection) => channelRegistry.driverFor(connection)

/*
| `ctx.ports.channels`: wired by providers/channels_provider.ts with
| `pluginHost.providePortFactory('channels', (key) => channelRegistry.forPlugin(key))`.
*/
declare module '#plugin_host/contract' {
  interface PluginPorts {
    channels: ChannelsPort
  }
}

export default channelRegistry
