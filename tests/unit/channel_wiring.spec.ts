import { test } from '@japa/runner'
import type { PluginContext, PluginDefinition } from '#plugin_host/contract'
import { PluginHost } from '#plugin_host/plugin_host'
import pluginHost from '#plugin_host/plugin_host'
import { PermissionRegistry } from '#permissions/permission_registry'
import { Navigation } from '#services/navigation'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import channelRegistry, { driverFor } from '#channels/channel_registry'
import ingest from '#channels/ingest_service'
import outbound from '#channels/outbound_service'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText, receive } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver } from '#tests/helpers/fake_channel_driver'

/*
| The wiring of channel plugins: per-plugin ports, the driver registry
| (only the owning, running plugin drives a connection) and the
| dispatcher claiming only rows it can send.
*/

function channelPlugin(key: string, seen: Record<string, PluginContext>): PluginDefinition {
  return {
    manifest: {
      key,
      name: { es: key, en: key },
      description: { es: 'Prueba', en: 'Test' },
      version: '1.0.0',
      kind: 'channel',
      coreVersion: '>=0.1.0 <1.0.0',
    },
    register(ctx) {
      seen[key] = ctx
    },
  }
}

test.group('Channel wiring / ports', (group) => {
  group.each.setup(() => resetDatabase())

  test('a port factory gives each plugin its own scoped port; shared ports still work', async ({
    assert,
  }) => {
    const host = new PluginHost({
      coreVersion: '0.1.0',
      permissions: new PermissionRegistry(),
      navigation: new Navigation(),
    })
    const seen: Record<string, PluginContext> = {}
    host.providePortFactory('ingest' as any, ((key: string) => ({ owner: key })) as any)
    host.providePort('channels' as any, { shared: true } as any)
    await host.load([channelPlugin('line_a', seen), channelPlugin('line_b', seen)])

    assert.equal((seen.line_a.ports.ingest as any).owner, 'line_a')
    assert.equal((seen.line_b.ports.ingest as any).owner, 'line_b')
    // Built once per plugin.
    assert.strictEqual(seen.line_a.ports.ingest, seen.line_a.ports.ingest)
    assert.deepEqual(seen.line_a.ports.channels as any, { shared: true })
    assert.throws(() => (seen.line_a.ports as any).dialer, 'The core provides no "dialer" port')
  })

  test("a plugin's ingest port refuses connections it does not own", async ({ assert }) => {
    const connection = await createConnection({ pluginKey: 'test_channel' })
    await assert.rejects(
      () => ingest.forPlugin('sandbox').message(connection.id, inboundText()),
      /does not belong to plugin "sandbox"/
    )
    const result = await ingest.forPlugin('test_channel').message(connection.id, inboundText())
    assert.isFalse(result.duplicate)
  })

  test('driverFor: only the owning plugin, only while it is active', async ({ assert }) => {
    const foreign = await createConnection({ pluginKey: 'test_channel' })
    assert.isNull(driverFor(foreign))

    const sandbox = await channelRegistry.forPlugin('sandbox').createConnection({ name: 'S' })
    assert.equal(sandbox.pluginKey, 'sandbox')
    assert.equal(sandbox.status, 'disconnected')
    assert.isNull(driverFor(sandbox))
    assert.notInclude(channelRegistry.activePluginKeys(), 'sandbox')

    await pluginHost.enable('sandbox', null)
    assert.isNotNull(driverFor(sandbox))
    assert.include(channelRegistry.activePluginKeys(), 'sandbox')
    // One plugin never sees another's connections.
    assert.isNull(await channelRegistry.forPlugin('sandbox').findConnection(foreign.id))
    assert.lengthOf(await channelRegistry.forPlugin('sandbox').connections(), 1)
  })
})

test.group('Channel wiring / dispatcher', (group) => {
  group.each.setup(() => resetDatabase())

  test('claims only rows of connections owned by the given plugins', async ({ assert }) => {
    const connection = await createConnection({ pluginKey: 'test_channel' })
    const agent = await createUser('agent')
    const { conversationId } = await receive(connection)
    await outbound.submit({ conversationId, authorUserId: agent.id, kind: 'text', body: 'Hola' })
    const driver = new FakeChannelDriver()

    const none = new OutboxDispatcher({ resolveDriver: () => driver, pluginKeys: () => [] })
    assert.equal(await none.runOnce(), 0)
    const others = new OutboxDispatcher({ resolveDriver: () => driver, pluginKeys: () => ['x'] })
    assert.equal(await others.runOnce(), 0)
    const owner = new OutboxDispatcher({
      resolveDriver: () => driver,
      pluginKeys: () => ['x', 'test_channel'],
    })
    assert.equal(await owner.runOnce(), 1)
    assert.lengthOf(driver.sent, 1)
  })
})
