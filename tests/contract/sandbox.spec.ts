import pluginHost from '#plugin_host/plugin_host'
import { createOrganization } from '#tests/helpers/fixtures'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone from '#plugins/sandbox/sandbox_phone'
import { channelContract } from './channel_contract.js'

/** The sandbox channel plugin against the channel contract. */
channelContract('sandbox', () => ({
  async connection() {
    await createOrganization()
    const connection = await sandboxContext().ports.channels.createConnection({ name: 'Contrato' })
    await pluginHost.enable('sandbox', null)
    return connection
  },
  async customerSends(connection, { phone: number, name, text, externalId }) {
    const customer = await phone.customerFor(connection.id, { name, phone: number })
    await phone.customerSays(connection.id, customer, text, externalId)
  },
  async receipt(connection, externalId, status) {
    await phone.report(connection.id, externalId, status)
  },
  async failNextSend(connection, mode) {
    await phone.failNext(connection.id, mode)
  },
}))
