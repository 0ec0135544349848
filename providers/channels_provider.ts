import type { ApplicationService } from '@adonisjs/core/types'
import type { OutboxDispatcher } from '#channels/outbox_dispatcher'

/**
 * Plugs channel plugins into the core (docs/PLUGINS.md, channel plugins):
 * - `ctx.ports.ingest`: the inbound pipeline, scoped per plugin
 *   (`ingest.forPlugin(key)` refuses connections the plugin does not own);
 * - `ctx.ports.channels`: where a plugin registers its driver factory;
 * - `ctx.ports.media`: the media store, for the files of messages;
 * - `ctx.ports.conversations` / `contacts` / `notifications`: what feature
 *   plugins may read and do (app/channels/feature_ports.ts); `history`: how
 *   far back imported history is kept (app/channels/history_window.ts);
 * - one OutboxDispatcher per web/test process, resolving drivers through
 *   the channel registry, stopped on shutdown. Ace commands never send.
 */
export default class ChannelsProvider {
  #dispatcher?: OutboxDispatcher

  constructor(protected app: ApplicationService) {}

  async boot() {
    const { default: pluginHost } = await import('#plugin_host/plugin_host')
    const { default: ingest } = await import('#channels/ingest_service')
    const { default: channelRegistry } = await import('#channels/channel_registry')
    pluginHost.providePortFactory('ingest', (key) => ingest.forPlugin(key))
    pluginHost.providePortFactory('channels', (key) => channelRegistry.forPlugin(key))
    const { mediaPort } = await import('#channels/media_port')
    pluginHost.providePort('media', mediaPort)
    const { conversationsPort, contactsPort, notificationsPort } =
      await import('#channels/feature_ports')
    pluginHost.providePort('conversations', conversationsPort)
    pluginHost.providePort('contacts', contactsPort)
    pluginHost.providePort('notifications', notificationsPort)
    const { default: historyWindow } = await import('#channels/history_window')
    pluginHost.providePortFactory('history', (key) => historyWindow.forPlugin(key))
  }

  async ready() {
    if (!['web', 'test'].includes(this.app.getEnvironment())) return
    const { default: dispatcher } = await import('#channels/outbox_runtime')
    this.#dispatcher = dispatcher
    dispatcher.start()
  }

  async shutdown() {
    await this.#dispatcher?.stop()
  }
}
