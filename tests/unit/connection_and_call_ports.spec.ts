import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import ingest, { InvalidInboundError } from '#channels/ingest_service'
import type Connection from '#models/connection'
import Conversation from '#models/conversation'
import Message from '#models/message'
import { resetDatabase } from '#tests/helpers/fixtures'
import { createConnection } from '#tests/helpers/conversation_fixtures'

test.group('Ingest · connection state', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('QR pairing: the QR is kept while waiting and cleared once connected', async ({
    assert,
  }) => {
    const connection = await createConnection({ status: 'disconnected' })
    const events = emitter.fake()

    await ingest.connection(connection.id, { status: 'connecting' })
    await ingest.connection(connection.id, { status: 'waiting_qr', qr: '2@abc' })
    await connection.refresh()
    assert.equal(connection.status, 'waiting_qr')
    assert.equal(connection.qrCode, '2@abc')

    await ingest.connection(connection.id, { status: 'waiting_qr', qr: '2@def' })
    await ingest.connection(connection.id, { status: 'connected', phone: '+593 99 000 1111' })
    await connection.refresh()
    assert.equal(connection.status, 'connected')
    assert.isNull(connection.qrCode)
    assert.equal(connection.phoneE164, '+593990001111')
    assert.isNotNull(connection.lastConnectedAt)

    events.assertEmittedCount('connection:status_changed', 4)
    events.assertEmitted(
      'connection:status_changed',
      ({ data }) => data.hasQr && data.status === 'waiting_qr'
    )
    // The QR itself never travels in an event.
    assert.isFalse(JSON.stringify(events.all()).includes('2@abc'))
  })

  test('the same state reported twice emits once', async () => {
    const connection = await createConnection({ status: 'disconnected' })
    const events = emitter.fake()
    await ingest.connection(connection.id, { status: 'connecting' })
    await ingest.connection(connection.id, { status: 'connecting' })
    events.assertEmittedCount('connection:status_changed', 1)
  })

  test('losing a connected number records the time and a critical system event', async ({
    assert,
  }) => {
    const connection = await createConnection({ status: 'connected' })
    const events = emitter.fake()
    await ingest.connection(connection.id, {
      status: 'logged_out',
      reason: 'Logged out from the phone',
    })

    await connection.refresh()
    assert.equal(connection.status, 'logged_out')
    assert.equal(connection.statusReason, 'Logged out from the phone')
    assert.isNotNull(connection.lastDisconnectedAt)
    const event = await db
      .from('system_events')
      .where('category', 'connection.logged_out')
      .firstOrFail()
    assert.equal(event.level, 'critical')
    assert.equal(event.context.connectionId, connection.id)
    events.assertEmitted(
      'connection:status_changed',
      ({ data }) => data.previousStatus === 'connected'
    )

    // Still down while reconnecting: no second "lost".
    await ingest.connection(connection.id, { status: 'disconnected' })
    const [{ total }] = await db.from('system_events').count('* as total')
    assert.equal(Number(total), 1)
  })

  test('an unknown status is refused', async ({ assert }) => {
    const connection = await createConnection()
    await assert.rejects(
      () => ingest.connection(connection.id, { status: 'exploded' as Connection['status'] }),
      InvalidInboundError
    )
  })
})

test.group('Ingest · calls', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('a call is one timeline entry that follows the call’s progress', async ({ assert }) => {
    const connection = await createConnection()
    const events = emitter.fake()
    const contact = { waId: '593991234567', profileName: 'Rosa' }

    const offer = await ingest.call(connection.id, {
      callId: 'wacid.1',
      contact,
      direction: 'in',
      status: 'offer',
      at: new Date('2026-11-20T15:00:00Z'),
    })
    const repeated = await ingest.call(connection.id, {
      callId: 'wacid.1',
      contact,
      direction: 'in',
      status: 'offer',
      at: new Date('2026-11-20T15:00:00Z'),
    })
    const missed = await ingest.call(connection.id, {
      callId: 'wacid.1',
      contact,
      direction: 'in',
      status: 'missed',
      at: new Date('2026-11-20T15:00:30Z'),
    })

    assert.isTrue(offer.created)
    assert.isFalse(repeated.created)
    assert.equal(missed.messageId, offer.messageId)
    const message = await Message.findOrFail(offer.messageId)
    assert.equal(message.kind, 'call')
    assert.equal(message.externalId, 'call:wacid.1')
    assert.equal(message.metadata.callStatus, 'missed')
    assert.lengthOf(message.metadata.callEvents as unknown[], 2)
    const conversation = await Conversation.findOrFail(offer.conversationId)
    assert.equal(conversation.unreadCount, 1)
    assert.equal(conversation.pendingCount, 0)
    assert.equal(conversation.lastMessageKind, 'call')

    events.assertEmittedCount('conversation:message_received', 1)
    events.assertEmitted('conversation:message_received', ({ data }) => data.kind === 'call')
    events.assertEmittedCount('conversation:message_updated', 1)
  })
})
