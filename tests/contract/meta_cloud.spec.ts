import type { GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import {
  FIXTURE_NUMBER,
  drainWebhooks,
  metaConnection,
  startFake,
} from '#plugins/meta_cloud/tests/meta_harness'
import { channelContract } from './channel_contract.js'

/**
 * The Meta Cloud API plugin against the channel contract, through the real
 * webhook route (signed by the fake Graph API) and real Graph API calls.
 */
let fake: GraphApiFake | null = null

async function theFake() {
  fake ??= await startFake()
  return fake
}

channelContract('meta_cloud', () => ({
  async connection() {
    const graph = await theFake()
    graph.reset()
    return metaConnection(graph)
  },
  async customerSends(_connection, { phone, name, text, externalId }) {
    const graph = await theFake()
    const { payload } = graph.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: phone.replace(/\D/g, ''),
      name,
      id: externalId,
      message: { type: 'text', text: { body: text } },
    })
    const answer = await graph.deliver(payload)
    if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`)
    await drainWebhooks()
  },
  async receipt(_connection, externalId, status) {
    const graph = await theFake()
    await graph.deliver(graph.statusPayload(FIXTURE_NUMBER.phoneNumberId, externalId, status))
    await drainWebhooks()
  },
  async failNextSend(_connection, mode) {
    const graph = await theFake()
    graph.failNext(FIXTURE_NUMBER.phoneNumberId, mode === 'retryable' ? 130429 : 100)
  },
}))
