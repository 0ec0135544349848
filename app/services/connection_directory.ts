import Connection from '#models/connection'
import pluginHost from '#plugin_host/plugin_host'
import { PluginPresenter } from '#plugin_host/plugin_presenter'

export interface ConnectionRow {
  id: number
  name: string
  phone: string | null
  status: Connection['status']
  statusReason: string | null
  pluginName: string
  /** The owning plugin runs here; otherwise nothing can connect or send through it. */
  pluginActive: boolean
  isActive: boolean
}

/**
 * Every connection of every channel plugin, for the Connections page. The
 * plugin is named from its manifest, in the viewer's language; the core
 * never knows which plugins exist.
 */
export class ConnectionDirectory {
  async list(locale: string): Promise<ConnectionRow[]> {
    const presenter = new PluginPresenter(pluginHost, locale)
    const connections = await Connection.query().orderBy('name', 'asc').orderBy('id', 'asc')
    return connections.map((connection) => ({
      id: connection.id,
      name: connection.name,
      phone: connection.phoneE164,
      status: connection.status,
      statusReason: connection.statusReason,
      pluginName: presenter.nameOf(connection.pluginKey),
      pluginActive: pluginHost.isActive(connection.pluginKey),
      isActive: connection.isActive,
    }))
  }
}

export default new ConnectionDirectory()
