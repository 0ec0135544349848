import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import outboxDispatcher from '#channels/outbox_runtime'
import { driverFor } from '#channels/channel_registry'
import type Connection from '#models/connection'
import Message from '#models/message'
import Conversation from '#models/conversation'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/**
 * What a channel plugin gives the contract suite: a connection of that
 * plugin (plugin enabled) and a handle on the "far side" — the customer
 * and their phone — driven through the plugin's own inbound path, which
 * must report through `ctx.ports.ingest`.
 */
export interface ChannelHarness {
  /** Enable the plugin and create one of its connections (the database was just emptied). */
  connection(): Promise<Connection>
  /** The customer sends a text; the same externalId twice is a provider's redelivery. */
  customerSends(
    connection: Connection,
    input: { phone: string; name: string; text: string; externalId: string }
  ): Promise<void>
  /** The customer's phone reports a receipt for a message the driver sent. */
  receipt(connection: Connection, externalId: string, status: 'delivered' | 'read'): Promise<void>
  /** The provider rejects the next send, temporarily or for good. */
  failNextSend(connection: Connection, mode: 'retryable' | 'fatal'): Promise<void>
}

const PHONE = '+593991112233'

/**
 * The suite every channel plugin must pass (docs/PLUGINS.md, channel
 * plugins). It goes through the real wiring: the driver comes from the
 * channel registry (`driverFor`), inbound through the plugin's ingest port,
 * outbound through the outbox dispatcher.
 */
export function channelContract(name: string, makeHarness: () => ChannelHarness) {
  const harness = makeHarness()
  // The suite drives its own dispatcher round by round: the process's one must not race it.
  const dispatcher = new OutboxDispatcher({ resolveDriver: driverFor, random: () => 0.5 })

  async function conversationWithCustomer(connection: Connection) {
    await harness.customerSends(connection, {
      phone: PHONE,
      name: 'Ana Contrato',
      text: 'Hola',
      externalId: `contract-${Math.random().toString(36).slice(2)}`,
    })
    return Conversation.query().where('connection_id', connection.id).firstOrFail()
  }

  async function submitText(connection: Connection, body = 'Buenos días') {
    const conversation = await conversationWithCustomer(connection)
    const agent = await createUser('agent')
    const { message } = await outbound.submit({
      conversationId: conversation.id,
      authorUserId: agent.id,
      clientId: `contract-${Math.random()}`,
      kind: 'text',
      body,
    })
    return message
  }

  async function makeDue() {
    await db
      .from('outbox')
      .where('state', 'pending')
      .update({ next_attempt_at: db.raw("now() - interval '1 second'") })
  }

  test.group(`Channel contract: ${name}`, (group) => {
    group.setup(async () => {
      await outboxDispatcher.stop()
      return () => outboxDispatcher.start()
    })
    group.each.setup(() => resetDatabase())

    test('declares its capabilities and is found through the registry', async ({ assert }) => {
      const connection = await harness.connection()
      const driver = driverFor(connection)
      assert.isNotNull(driver)
      const capabilities = driver!.capabilities
      assert.include(capabilities.mediaKinds, 'text')
      assert.isBoolean(capabilities.templates)
      assert.isBoolean(capabilities.calls)
      assert.isBoolean(capabilities.qrPairing)
      assert.isTrue(
        capabilities.replyWindowHours === null || typeof capabilities.replyWindowHours === 'number'
      )
    })

    test('connect / disconnect report the state through ingest.connection', async ({ assert }) => {
      const connection = await harness.connection()
      const driver = driverFor(connection)!
      await driver.connect()
      assert.equal(await driver.status(), 'connected')
      await connection.refresh()
      assert.equal(connection.status, 'connected')

      await driver.disconnect()
      assert.oneOf(await driver.status(), ['disconnected', 'logged_out'])
      await connection.refresh()
      assert.oneOf(connection.status, ['disconnected', 'logged_out'])
    })

    test('an inbound message lands once; a redelivery changes nothing', async ({ assert }) => {
      const connection = await harness.connection()
      const input = { phone: PHONE, name: 'Ana', text: 'Hola, ¿mi saldo?', externalId: 'dup-1' }
      await harness.customerSends(connection, input)
      await harness.customerSends(connection, input)

      const messages = await Message.query().where('connection_id', connection.id)
      assert.lengthOf(messages, 1)
      assert.equal(messages[0].body, 'Hola, ¿mi saldo?')
      assert.equal(messages[0].direction, 'in')
      const conversation = await Conversation.findOrFail(messages[0].conversationId)
      assert.equal(conversation.unreadCount, 1)
    })

    test('send returns an external id; the message is sent', async ({ assert }) => {
      const connection = await harness.connection()
      const message = await submitText(connection)
      assert.equal(await dispatcher.runOnce(), 1)
      await message.refresh()
      assert.equal(message.status, 'sent')
      assert.isString(message.externalId)
      assert.isAbove(message.externalId!.length, 0)
    })

    test('statuses move sent → delivered → read and never back', async ({ assert }) => {
      const connection = await harness.connection()
      const message = await submitText(connection)
      await dispatcher.runOnce()
      await message.refresh()
      const externalId = message.externalId!

      await harness.receipt(connection, externalId, 'delivered')
      await message.refresh()
      assert.oneOf(message.status, ['delivered', 'read'])

      await harness.receipt(connection, externalId, 'read')
      await message.refresh()
      assert.equal(message.status, 'read')

      await harness.receipt(connection, externalId, 'delivered')
      await message.refresh()
      assert.equal(message.status, 'read')
    })

    test('a retryable send error is retried', async ({ assert }) => {
      const connection = await harness.connection()
      await harness.failNextSend(connection, 'retryable')
      const message = await submitText(connection)

      await dispatcher.runOnce()
      await message.refresh()
      assert.equal(message.status, 'queued')
      const row = await db.from('outbox').where('message_id', message.id).firstOrFail()
      assert.equal(row.state, 'pending')
      assert.equal(row.attempts, 1)

      await makeDue()
      await dispatcher.runOnce()
      await message.refresh()
      assert.equal(message.status, 'sent')
      assert.isNotNull(message.externalId)
    })

    test('a fatal send error marks the message failed with a reason', async ({ assert }) => {
      const connection = await harness.connection()
      await harness.failNextSend(connection, 'fatal')
      const message = await submitText(connection)

      await dispatcher.runOnce()
      await message.refresh()
      assert.equal(message.status, 'failed')
      assert.isString(message.failureReason)
      assert.isAbove(message.failureReason!.length, 0)
      const row = await db.from('outbox').where('message_id', message.id).firstOrFail()
      assert.notEqual(row.state, 'pending')
    })

    test('no driver while the plugin is disabled', async ({ assert }) => {
      const connection = await harness.connection()
      const { default: pluginHost } = await import('#plugin_host/plugin_host')
      await pluginHost.disable(connection.pluginKey, null)
      assert.isNull(driverFor(connection))
    })
  })
}
