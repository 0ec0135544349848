import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import { driverFor } from '#channels/channel_registry'
import {
  baileysConnection,
  doubles,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { fixture } from '#plugins/baileys/testing/socket_double'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| A WhatsApp call on a QR number, with the calls plugin declining it: the
| socket is asked to reject the call with the caller's JID as WhatsApp gave
| it, and the configured message goes out to the caller.
*/

async function until<T>(read: () => Promise<T> | T, ready: (value: T) => boolean) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read()
    if (ready(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return read()
}

test.group('Baileys / calls', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    return async () => {
      await pluginHost.disable('calls', null)
      await stopBaileys()
    }
  })

  test('auto-reject declines the call on the socket and writes to the caller', async ({
    assert,
  }) => {
    useDoubleRuntime()
    await createUser('supervisor')
    const connection = await baileysConnection()
    await driverFor(connection)!.connect()
    await settle(connection)
    await pluginHost.enable('calls', null)
    await pluginHost.saveSettings(
      'calls',
      { values: { autoReject: 'true', rejectMessage: 'Solo atendemos por chat.' } },
      null
    )
    const double = doubles.latest(connection.id)

    double.ev.emit('call', fixture('call', 'call-offer'))
    await settle(connection)

    const rejected = await until(
      () => double.rejected,
      (list) => list.length > 0
    )
    assert.deepEqual(rejected, [
      { callId: 'A1B2C3D4E5F60718293A4B5C6D7E8F90', callFrom: '5511987654321@s.whatsapp.net' },
    ])
    const text = await until(
      () => double.sent.find((sent) => 'text' in sent.content),
      (sent) => !!sent
    )
    assert.equal(text!.jid, '5511987654321@s.whatsapp.net')
    assert.deepEqual(text!.content, { text: 'Solo atendemos por chat.' })
    const call = await db.from('messages').where('kind', 'call').firstOrFail()
    assert.equal(call.metadata.callFrom, '5511987654321@s.whatsapp.net')
  })
})
