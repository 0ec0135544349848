import pluginHost from '#plugin_host/plugin_host'
import type Connection from '#models/connection'
import { createOrganization } from '#tests/helpers/fixtures'
import { baileysContext } from '../plugin_context.js'
import drivers from '../baileys_driver.js'
import { useBaileysRuntime } from '../runtime.js'
import { SocketDoubles } from './socket_double.js'

export const doubles = new SocketDoubles()

/** Media "downloaded" from WhatsApp in tests: a tiny JPEG-looking payload. */
export const FAKE_MEDIA = Buffer.from('ffd8ffe000104a464946000101', 'hex')

/** The plugin's runtime with the socket double and no network (call before enabling the plugin). */
export function useDoubleRuntime(
  overrides: { undecryptableGraceMs?: number; leaseTtlMs?: number; pollMs?: number } = {}
) {
  doubles.reset()
  useBaileysRuntime({
    createSocket: doubles.factory,
    download: async () => FAKE_MEDIA,
    webVersion: async () => undefined,
    // Rounds run only when a test calls tick(): nothing races the assertions.
    pollMs: overrides.pollMs ?? 3_600_000,
    leaseTtlMs: overrides.leaseTtlMs ?? 15_000,
    undecryptableGraceMs: overrides.undecryptableGraceMs ?? 200,
    random: () => 0.5,
  })
}

export function manager() {
  const current = drivers.manager()
  if (!current) throw new Error('The baileys plugin is not running')
  return current
}

/** Organization, plugin enabled, one Baileys connection. */
export async function baileysConnection(name = 'Ventas') {
  await createOrganization()
  const connection = await baileysContext().ports.channels.createConnection({ name })
  await pluginHost.enable('baileys', null)
  return connection
}

/** The connection's session has handled every event emitted so far. */
export async function settle(connection: Connection | number) {
  const id = typeof connection === 'number' ? connection : connection.id
  await new Promise((resolve) => setImmediate(resolve))
  await manager().session(id)?.idle()
  await new Promise((resolve) => setImmediate(resolve))
  await manager().session(id)?.idle()
}

/**
 * Stops every session and waits for their queues: a test's leftover I/O
 * must not race the next test's TRUNCATE (call from `group.each.teardown`).
 */
export async function stopBaileys() {
  await drivers.manager()?.stopAll()
}
