import { proto } from '@whiskeysockets/baileys'
import { driverFor } from '#channels/channel_registry'
import {
  baileysConnection,
  doubles,
  settle,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { channelContract } from './channel_contract.js'

/**
 * The Baileys channel plugin against the channel contract, with the socket
 * double on the far side emitting Baileys' real event shapes.
 */
channelContract('baileys', () => ({
  async connection() {
    useDoubleRuntime()
    const connection = await baileysConnection('Contrato')
    await driverFor(connection)!.connect()
    return connection
  },
  async customerSends(connection, { phone, name, text, externalId }) {
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: externalId, text, phone, name })])
    await settle(connection)
  },
  async receipt(connection, externalId, status) {
    const double = doubles.latest(connection.id)
    const code =
      status === 'read'
        ? proto.WebMessageInfo.Status.READ
        : proto.WebMessageInfo.Status.DELIVERY_ACK
    double.receipt(externalId, '593991112233@s.whatsapp.net', code)
    await settle(connection)
  },
  async failNextSend(connection, mode) {
    doubles.latest(connection.id).failNext = mode
  },
}))
