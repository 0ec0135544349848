import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import channelRegistry from '#channels/channel_registry'
import type { CallToReject } from '#channels/channel_driver'
import Conversation from '#models/conversation'
import pluginHost from '#plugin_host/plugin_host'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver } from '#tests/helpers/fake_channel_driver'

/**
 * A channel with call control. Its connections belong to the installed
 * `hello` plugin only because the registry answers for active, installed
 * plugins; the calls plugin never knows which channel it talks to.
 */
class CallingDriver extends FakeChannelDriver {
  override readonly capabilities = { ...new FakeChannelDriver().capabilities, calls: true }
  readonly rejected: CallToReject[] = []
  async rejectCall(call: CallToReject) {
    this.rejected.push(call)
  }
}

let driver = new CallingDriver()
channelRegistry.forPlugin('hello').registerDriver(() => driver)

async function ring(connectionId: number, callId: string, status: 'offer' | 'missed' = 'offer') {
  return ingest.call(connectionId, {
    callId,
    contact: { waId: '593987654321', profileName: 'Lucía Andrade' },
    direction: 'in',
    status,
    at: new Date(),
    metadata: { callFrom: '593987654321@s.whatsapp.net' },
  })
}

async function notificationsOf(userId: number) {
  return db.from('notifications').where('user_id', userId).orderBy('id')
}

/** Listeners run after the ingest call returned; wait for their rows. */
async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const value = await read()
    if (ready(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return read()
}

test.group('Calls plugin', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    driver = new CallingDriver()
    await pluginHost.enable('hello', null)
    await pluginHost.enable('calls', null)
    return async () => {
      await pluginHost.disable('calls', null)
      await pluginHost.disable('hello', null)
    }
  })

  test('an incoming call notifies the assigned agent, with a link to the chat', async ({
    assert,
  }) => {
    const agent = await createUser('agent')
    const connection = await createConnection({ pluginKey: 'hello' })
    const first = await ring(connection.id, 'CALL-1')
    await Conversation.query()
      .where('id', first.conversationId)
      .update({ assignedUserId: agent.id })
    const second = await ring(connection.id, 'CALL-2')

    const rows = await eventually(
      () => notificationsOf(agent.id),
      (list) => list.length >= 1
    )
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].kind, 'calls.notifications.incoming')
    assert.equal(rows[0].data.name, 'Lucía Andrade')
    assert.equal(rows[0].url, `/inbox/conversations/${second.conversationId}`)
    assert.lengthOf(driver.rejected, 0, 'auto-reject is off by default')
  })

  test('with nobody assigned, supervisors are told; a missed call is told once', async ({
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection({ pluginKey: 'hello' })
    await ring(connection.id, 'CALL-9')
    await ring(connection.id, 'CALL-9', 'missed')
    await ring(connection.id, 'CALL-9', 'missed')

    const rows = await eventually(
      () => notificationsOf(supervisor.id),
      (list) => list.length >= 2
    )
    assert.deepEqual(
      rows.map((row) => row.kind),
      ['calls.notifications.incoming', 'calls.notifications.missed']
    )
    assert.lengthOf(await notificationsOf(agent.id), 0)
  })

  test('auto-reject declines the call through the channel and sends the message', async ({
    assert,
  }) => {
    await createUser('supervisor')
    await pluginHost.saveSettings(
      'calls',
      {
        values: {
          notifyAgent: 'true',
          autoReject: 'true',
          rejectMessage: 'Hoy solo por chat, ¡escríbenos!',
        },
      },
      null
    )
    const connection = await createConnection({ pluginKey: 'hello' })
    const call = await ring(connection.id, 'CALL-7')

    await eventually(
      async () => driver.rejected.length,
      (count) => count > 0
    )
    assert.lengthOf(driver.rejected, 1)
    assert.equal(driver.rejected[0].callId, 'CALL-7')
    assert.equal(driver.rejected[0].from.waId, '593987654321')
    assert.equal(driver.rejected[0].metadata.callFrom, '593987654321@s.whatsapp.net')

    const reply = await eventually(
      () =>
        db
          .from('messages')
          .where('conversation_id', call.conversationId)
          .where('direction', 'out')
          .first(),
      (row) => !!row
    )
    assert.equal(reply.body, 'Hoy solo por chat, ¡escríbenos!')
    assert.isNull(reply.author_user_id)
    // Through the outbox to the same channel, like any other outbound message.
    await eventually(
      async () => driver.sent.length,
      (count) => count > 0
    )
    assert.equal(driver.sent[0].messageId, Number(reply.id))
    assert.equal(driver.sent[0].body, 'Hoy solo por chat, ¡escríbenos!')
  })

  test('a channel without call control: nothing is sent and a warning is logged', async ({
    assert,
  }) => {
    await pluginHost.saveSettings(
      'calls',
      { values: { autoReject: 'true', rejectMessage: 'No atendemos llamadas.' } },
      null
    )
    driver = new CallingDriver()
    ;(driver.capabilities as { calls: boolean }).calls = false
    const connection = await createConnection({ pluginKey: 'hello' })
    const call = await ring(connection.id, 'CALL-3')

    const event = await eventually(
      () => db.from('system_events').where('category', 'calls.reject_unsupported').first(),
      (row) => !!row
    )
    assert.equal(event.source, 'calls')
    const outbound = await db
      .from('messages')
      .where('conversation_id', call.conversationId)
      .where('direction', 'out')
    assert.lengthOf(outbound, 0)
  })

  test('the timeline shows the call and how it ended, in the reader language', async ({
    client,
  }) => {
    const admin = await createUser('admin')
    const connection = await createConnection({ pluginKey: 'hello' })
    const call = await ring(connection.id, 'CALL-5')
    await ring(connection.id, 'CALL-5', 'missed')
    const page = await client.get(`/inbox/conversations/${call.conversationId}`).loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Llamada entrante')
    page.assertTextIncludes('data-call-status="missed"')
    page.assertTextIncludes('perdida')
    const english = await client
      .get(`/inbox/conversations/${call.conversationId}`)
      .loginAs(await createUser('admin', { locale: 'en' }))
    english.assertTextIncludes('Incoming call')
    english.assertTextIncludes('missed')
  })

  test('a disabled calls plugin does nothing', async ({ assert }) => {
    await pluginHost.disable('calls', null)
    const supervisor = await createUser('supervisor')
    const connection = await createConnection({ pluginKey: 'hello' })
    await ring(connection.id, 'CALL-4')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.lengthOf(await notificationsOf(supervisor.id), 0)
  })
})
