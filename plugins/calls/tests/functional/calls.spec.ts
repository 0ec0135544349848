import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import channelRegistry from '#channels/channel_registry'
import type { CallToReject } from '#channels/channel_driver'
import Conversation from '#models/conversation'
import pluginHost from '#plugin_host/plugin_host'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone, { type SandboxCustomer } from '#plugins/sandbox/sandbox_phone'
import sandboxCalls from '#plugins/sandbox/sandbox_calls'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection } from '#tests/helpers/conversation_fixtures'
import { FakeChannelDriver } from '#tests/helpers/fake_channel_driver'

/*
| The calls plugin against a real channel with call control: the sandbox
| line (its customer phone rings, hangs up, and shows a declined call). One
| test keeps a made-up driver without call control, owned by the installed
| `hello` plugin only because the registry answers for active, installed
| plugins; the calls plugin never knows which channel it talks to.
*/

class NoCallControlDriver extends FakeChannelDriver {
  readonly rejected: CallToReject[] = []
  async rejectCall(call: CallToReject) {
    this.rejected.push(call)
  }
}

const noCallControl = new NoCallControlDriver()
channelRegistry.forPlugin('hello').registerDriver(() => noCallControl)

/** A sandbox line and the customer Lucía on its phone. */
async function sandboxLine() {
  const connection = await sandboxContext().ports.channels.createConnection({ name: 'Demo' })
  const customer = await phone.customerFor(connection.id, {
    name: 'Lucía Andrade',
    phone: '+593987654321',
  })
  return { connection, customer }
}

/** Lucía presses "Llamar" on the sandbox phone: offer, then ringing. */
async function ring(connectionId: number, customer: SandboxCustomer, callId: string) {
  const call = await sandboxCalls.ring(connectionId, customer, { callId })
  const row = await db
    .from('messages')
    .where({ connection_id: connectionId, external_id: `call:${callId}` })
    .firstOrFail()
  return { call: call!, conversationId: Number(row.conversation_id) }
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
    noCallControl.rejected.length = 0
    noCallControl.sent.length = 0
    await pluginHost.enable('sandbox', null)
    await pluginHost.enable('calls', null)
    return async () => {
      await pluginHost.disable('calls', null)
      await pluginHost.disable('sandbox', null)
    }
  })

  test('an incoming call notifies the assigned agent, with a link to the chat', async ({
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, customer } = await sandboxLine()
    const first = await ring(connection.id, customer, 'CALL-1')
    // Lucía gives up before the chat has an agent: nobody may see it, nobody is told.
    await sandboxCalls.hangUp(connection.id, 'CALL-1')
    await Conversation.query()
      .where('id', first.conversationId)
      .update({ assignedUserId: agent.id })
    const second = await ring(connection.id, customer, 'CALL-2')

    const rows = await eventually(
      () => notificationsOf(agent.id),
      (list) => list.length >= 1
    )
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].kind, 'calls.notifications.incoming')
    assert.equal(rows[0].data.name, 'Lucía Andrade')
    assert.equal(rows[0].url, `/inbox/conversations/${second.conversationId}`)
    const [, ringing] = await sandboxCalls.of(customer.id)
    assert.equal(ringing.status, 'ringing', 'auto-reject is off by default')
  })

  test('with nobody assigned, supervisors are told; a missed call is told once', async ({
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const { connection, customer } = await sandboxLine()
    await ring(connection.id, customer, 'CALL-9')
    await sandboxCalls.hangUp(connection.id, 'CALL-9')
    // A repeated "missed" event (a provider redelivering it) is no second call.
    await ingest.call(connection.id, {
      callId: 'CALL-9',
      contact: { phone: customer.phone },
      direction: 'in',
      status: 'missed',
      at: new Date(),
    })

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
    const { connection, customer } = await sandboxLine()
    const call = await ring(connection.id, customer, 'CALL-7')

    // Declined through the sandbox driver's rejectCall(): the phone shows it.
    const [declined] = await eventually(
      () => sandboxCalls.of(customer.id),
      (rows) => rows[0]?.status === 'rejected'
    )
    assert.equal(declined.status, 'rejected')
    assert.equal(declined.call_id, 'CALL-7')
    const stored = await db.from('messages').where('external_id', 'call:CALL-7').first()
    assert.equal(stored.metadata.callStatus, 'rejected')
    const contact = await db
      .from('contacts')
      .join('conversations', 'conversations.contact_id', 'contacts.id')
      .where('conversations.id', call.conversationId)
      .select('contacts.phone_e164')
      .first()
    assert.equal(contact.phone_e164, '+593987654321')

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
    // Through the outbox to the same channel, like any other outbound message: it reaches the phone.
    const received = await eventually(
      () => db.from('sandbox_messages').where({ customer_id: customer.id, direction: 'out' }),
      (rows) => rows.length > 0
    )
    assert.lengthOf(received, 1)
    assert.equal(received[0].body, 'Hoy solo por chat, ¡escríbenos!')
    await eventually(
      () => db.from('messages').where('id', reply.id).first(),
      (row) => row.external_id === received[0].external_id
    )
    assert.equal(
      (await db.from('messages').where('id', reply.id).first()).external_id,
      received[0].external_id
    )
  })

  test('a channel without call control: nothing is sent and a warning is logged', async ({
    assert,
  }) => {
    await pluginHost.saveSettings(
      'calls',
      { values: { autoReject: 'true', rejectMessage: 'No atendemos llamadas.' } },
      null
    )
    await pluginHost.enable('hello', null)
    const connection = await createConnection({ pluginKey: 'hello' })
    const call = await ingest.call(connection.id, {
      callId: 'CALL-3',
      contact: { waId: '593987654321', profileName: 'Lucía Andrade' },
      direction: 'in',
      status: 'offer',
      at: new Date(),
    })

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
    assert.lengthOf(noCallControl.rejected, 0, 'capabilities.calls false: never asked to reject')
    await pluginHost.disable('hello', null)
  })

  test('the timeline shows the call and how it ended, in the reader language', async ({
    client,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await sandboxLine()
    const call = await ring(connection.id, customer, 'CALL-5')
    await sandboxCalls.hangUp(connection.id, 'CALL-5')
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
    const { connection, customer } = await sandboxLine()
    await ring(connection.id, customer, 'CALL-4')
    await sandboxCalls.hangUp(connection.id, 'CALL-4')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.lengthOf(await notificationsOf(supervisor.id), 0)
  })
})
