import { test } from '@japa/runner'
import pluginHost from '#plugin_host/plugin_host'
import SystemEvent from '#models/system_event'
import { driverFor } from '#channels/channel_registry'
import { ChannelSendError, type OutboundMessage } from '#channels/channel_driver'
import {
  baileysConnection,
  doubles,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { resetDatabase } from '#tests/helpers/fixtures'

/*
| The ban-risk guard: a number may write first to only so many people who
| never wrote to it, per hour and per day (plugin settings); past that the
| send fails for good with a reason the agent sees, and a warning is logged.
*/

function textTo(connectionId: number, waId: string, id: number): OutboundMessage {
  return {
    messageId: id,
    connectionId,
    conversationId: 1,
    to: { contactId: id, phoneE164: `+${waId}`, waId, lid: null, bsuid: null },
    kind: 'text',
    body: 'Hola, le escribimos de la cooperativa',
    media: null,
    replyTo: null,
    metadata: {},
    attempt: 1,
  }
}

test.group('Baileys / ban-risk guard', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('new contacts past the hourly limit are refused; known ones are not', async ({ assert }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    await pluginHost.saveSettings(
      'baileys',
      { values: { newContactsPerHour: '1', newContactsPerDay: '5' } },
      null
    )
    const driver = driverFor(connection)!
    await driver.connect()
    await settle(connection)

    await driver.send(textTo(connection.id, '593990000101', 1))
    await driver.send(textTo(connection.id, '593990000101', 2))
    const refused = await driver.send(textTo(connection.id, '593990000102', 3)).catch((e) => e)
    assert.instanceOf(refused, ChannelSendError)
    assert.isFalse(refused.retryable)
    assert.equal(refused.code, 'baileys_new_contact_limit')
    assert.include(refused.reason, 'new contacts')
    assert.lengthOf(await SystemEvent.query().where('category', 'baileys.new_contact_limit'), 1)

    // Someone who wrote first is not a reach-out.
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'W-1', text: 'Hola', phone: '593990000103' })])
    await settle(connection)
    await driver.send(textTo(connection.id, '593990000103', 4))
    assert.lengthOf(double.sent, 3)
  })
})
