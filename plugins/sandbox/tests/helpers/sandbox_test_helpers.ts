import app from '@adonisjs/core/services/app'
import type { Kernel } from '@adonisjs/core/ace'
import db from '@adonisjs/lucid/services/db'
import Connection from '#models/connection'
import pluginHost from '#plugin_host/plugin_host'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone from '#plugins/sandbox/sandbox_phone'
import { createOrganization } from '#tests/helpers/fixtures'

/** Runs an ace command in the test process; its logs come back as plain lines. */
export async function runAce(name: string, argv: string[]) {
  const ace: Kernel = await app.container.make('ace')
  ace.ui.switchMode('raw')
  const command = await ace.exec(name, argv)
  return { exitCode: command.exitCode, logs: ace.ui.logger.getLogs().map((l) => l.message) }
}

/** Receipts, dispatches and call expiries happen after the request returned: poll for them. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 8000) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('condition not reached in time')
}

/** A connection of another channel plugin: the sandbox must treat it as not its own. */
export function otherPluginConnection() {
  return Connection.create({
    pluginKey: 'test_channel',
    name: 'Otra',
    status: 'connected',
    settings: {},
    knownClientsOnly: false,
    isActive: true,
  })
}

/** A sandbox line whose customer Ana already has a chat assigned to `agentId` (browser flows). */
export async function sandboxChat(agentId: number) {
  await createOrganization()
  await pluginHost.enable('sandbox', null)
  const connection = await sandboxContext().ports.channels.createConnection({ name: 'Demo' })
  const customer = await phone.customerFor(connection.id, {
    name: 'Ana Ríos',
    phone: '+593991112233',
  })
  const { conversationId } = await phone.customerSays(connection.id, customer, 'Buenas tardes')
  await db
    .from('conversations')
    .where('id', conversationId)
    .update({ assigned_user_id: agentId, state: 'pending' })
  return {
    connection,
    customer,
    conversationId,
    phoneUrl: `/sandbox/connections/${connection.id}/phone?customer=${customer.id}`,
  }
}
