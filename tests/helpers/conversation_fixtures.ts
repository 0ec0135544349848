import Connection from '#models/connection'
import { createOrganization } from '#tests/helpers/fixtures'
import Organization from '#models/organization'
import ingest from '#channels/ingest_service'
import type { NormalizedInboundMessage } from '#channels/ingest_port'

let sequence = 0

/** A connection of a made-up channel plugin (the core never cares which). */
export async function createConnection(overrides: Partial<Connection> = {}) {
  if (!(await Organization.current())) await createOrganization()
  sequence += 1
  return Connection.create({
    pluginKey: 'test_channel',
    name: `Línea ${sequence}`,
    status: 'connected',
    settings: {},
    knownClientsOnly: false,
    isActive: true,
    ...overrides,
  })
}

/** A customer text message as a channel plugin would report it. */
export function inboundText(
  overrides: Partial<NormalizedInboundMessage> & { waId?: string; name?: string } = {}
): NormalizedInboundMessage {
  sequence += 1
  const { waId, name, ...rest } = overrides
  return {
    externalId: `wamid.test-${sequence}-${Math.random().toString(36).slice(2)}`,
    contact: { waId: waId ?? '593991234567', profileName: name ?? 'José Pérez' },
    kind: 'text',
    body: `Hola ${sequence}`,
    at: new Date(),
    ...rest,
  }
}

/** Stores a live inbound message and returns the ingest result. */
export async function receive(
  connection: Connection,
  overrides: Parameters<typeof inboundText>[0] = {}
) {
  return ingest.message(connection.id, inboundText(overrides))
}
