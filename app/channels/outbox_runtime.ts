import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import channelRegistry, { driverFor } from '#channels/channel_registry'

/**
 * The process's one outbox dispatcher (started by providers/channels_provider.ts
 * in web and test processes). It claims only rows of connections whose
 * plugin runs here, and finds each connection's driver in the registry.
 */
const outboxDispatcher = new OutboxDispatcher({
  resolveDriver: driverFor,
  pluginKeys: () => channelRegistry.activePluginKeys(),
})

export default outboxDispatcher
