import { test } from '@japa/runner'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import db from '@adonisjs/lucid/services/db'
import { proto, type WAMessage } from '@whiskeysockets/baileys'
import Message from '#models/message'
import Contact from '#models/contact'
import SystemEvent from '#models/system_event'
import Conversation from '#models/conversation'
import mediaStore from '#services/media_store'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import outboxDispatcher from '#channels/outbox_runtime'
import { driverFor } from '#channels/channel_registry'
import {
  baileysConnection,
  doubles,
  FAKE_MEDIA,
  manager,
  settle,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import { fixture } from '#plugins/baileys/testing/socket_double'
import { InboxJournal } from '#plugins/baileys/inbox_journal'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Inbound and outbound through the socket double, with the fixtures' real
| shapes: notify and offline append, duplicates, media, replies, reactions,
| undecryptable stubs, groups, statuses, LID/phone identities, own echoes.
*/

async function connected() {
  useDoubleRuntime()
  const connection = await baileysConnection()
  await driverFor(connection)!.connect()
  await settle(connection)
  return connection
}

function upsertFixture(name: string, type?: 'notify' | 'append') {
  const payload = fixture('messages.upsert', name)
  return { messages: payload.messages, type: type ?? payload.type }
}

test.group('Baileys / inbound messages', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())
  group.setup(async () => {
    mediaStore.useRoot(await mkdtemp(join(tmpdir(), 'baileys-media-')))
    await outboxDispatcher.stop()
    return async () => {
      mediaStore.useRoot(null)
      await outboxDispatcher.start()
    }
  })

  test('a LID-addressed text with its phone alt lands once, with both ids on one contact', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const { messages } = upsertFixture('messages-upsert-text-notify')
    double.upsert(messages)
    double.upsert(messages)
    await settle(connection)

    const stored = await Message.query().where('connection_id', connection.id)
    assert.lengthOf(stored, 1)
    assert.equal(stored[0].body, 'Oi, tudo bem?')
    assert.equal(stored[0].externalId, '3EB0A1B2C3D4E5F60718')
    const contacts = await Contact.all()
    assert.lengthOf(contacts, 1)
    assert.equal(contacts[0].lid, '123456789012345')
    assert.equal(contacts[0].waId, '5511987654321')
    assert.equal(contacts[0].profileName, 'Ana')
  })

  test('the profile photo is fetched once and stored on the contact', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.photos.set('593991239999@s.whatsapp.net', 'https://pps.whatsapp.net/v/photo.jpg')
    double.upsert([double.customerText({ id: 'PH-1', text: 'hola', phone: '593991239999' })])
    double.upsert([double.customerText({ id: 'PH-2', text: 'sin foto', phone: '593991238888' })])
    await settle(connection)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const contact = await Contact.findByOrFail('wa_id', '593991239999')
    assert.equal(contact.profilePhotoUrl, 'https://pps.whatsapp.net/v/photo.jpg')
    const without = await Contact.findByOrFail('wa_id', '593991238888')
    assert.isNull(without.profilePhotoUrl)
  })

  test('a message the core refuses does not take its batch down and is logged as critical', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const broken = double.customerText({
      id: 'X'.repeat(400),
      text: 'id too long',
      phone: '593991110009',
    })
    const fine = double.customerText({ id: 'OK-1', text: 'sigo', phone: '593991110009' })
    double.upsert([broken, fine])
    await settle(connection)
    await Message.findByOrFail('external_id', 'OK-1')
    // Its raw form is kept: it can still be quoted.
    assert.isNotNull(await db.from('baileys_messages').where('key_id', 'OK-1').first())
    const critical = await SystemEvent.query().where('category', 'baileys.message_not_stored')
    assert.lengthOf(critical, 1)
    assert.equal(critical[0].level, 'critical')
  }).timeout(10000)

  test('offline messages (append) are stored, not dropped', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const message = double.customerText({
      id: 'OFFLINE-1',
      text: 'Escribí mientras estaban caídos',
      phone: '593991234567',
    })
    double.upsert([message], 'append')
    await settle(connection)
    const stored = await Message.findByOrFail('external_id', 'OFFLINE-1')
    assert.equal(stored.direction, 'in')
    assert.isFalse(stored.historical)
  })

  test('the same person by LID only, then by phone + LID, stays one contact and one chat', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'L-1', text: 'hola', lid: '777000111' })])
    await settle(connection)
    double.upsert([
      double.customerText({
        id: 'L-2',
        text: 'sigo aquí',
        lid: '777000111',
        phone: '593991112299',
      }),
    ])
    await settle(connection)
    double.upsert([
      double.customerText({ id: 'L-3', text: 'desde mi número', phone: '593991112299' }),
    ])
    await settle(connection)

    const contacts = await Contact.all()
    assert.lengthOf(contacts, 1)
    assert.equal(contacts[0].lid, '777000111')
    assert.equal(contacts[0].waId, '593991112299')
    assert.lengthOf(await Conversation.all(), 1)
    assert.lengthOf(await Message.all(), 3)
  })

  test('a LID-only message uses the mapping Baileys stored to report the phone too', async ({
    assert,
  }) => {
    const connection = await connected()
    await db.table('baileys_auth_keys').multiInsert([
      {
        connection_id: connection.id,
        type: 'lid-mapping',
        key_id: '593995550001',
        value: '"888000222"',
      },
      {
        connection_id: connection.id,
        type: 'lid-mapping',
        key_id: '888000222_reverse',
        value: '"593995550001"',
      },
    ])
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'M-1', text: 'hola', lid: '888000222' })])
    await settle(connection)
    const contact = await Contact.firstOrFail()
    assert.equal(contact.waId, '593995550001')
    assert.equal(contact.lid, '888000222')
  })

  test('a mapping learned later links the LID to the existing phone contact', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'P-1', text: 'hola', phone: '593996660001' })])
    await settle(connection)
    double.ev.emit('lid-mapping.update', {
      lid: '999000333@lid',
      pn: '593996660001@s.whatsapp.net',
    })
    await settle(connection)
    double.upsert([double.customerText({ id: 'P-2', text: 'ahora por LID', lid: '999000333' })])
    await settle(connection)
    assert.lengthOf(await Contact.all(), 1)
    assert.lengthOf(await Conversation.all(), 1)
  })

  test('a LID-only chat and a phone chat of one person merge when the mapping arrives', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'LID-A', text: 'por LID', lid: '999000444' })])
    double.upsert([
      double.customerText({ id: 'PN-B', text: 'por teléfono', phone: '593996660002' }),
    ])
    await settle(connection)
    assert.lengthOf(await Contact.all(), 2)

    double.ev.emit('lid-mapping.update', {
      lid: '999000444@lid',
      pn: '593996660002@s.whatsapp.net',
    })
    await settle(connection)

    const contacts = await Contact.all()
    assert.lengthOf(contacts, 1)
    assert.equal(contacts[0].lid, '999000444')
    assert.equal(contacts[0].waId, '593996660002')
    const open = await Conversation.query().whereNot('state', 'resolved')
    assert.lengthOf(open, 1)
    const bodies = (await Message.query().where('conversation_id', open[0].id).orderBy('id')).map(
      (m) => m.body
    )
    assert.deepEqual(bodies, ['por LID', 'por teléfono'])
  })

  test('a batch the process received but never handled is handled when the number reconnects', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'LIVE-1', text: 'antes', phone: '593991230010' })])
    await settle(connection)
    assert.lengthOf(await db.from('baileys_inbox'), 0, 'a handled batch leaves no trace')
    await manager().stopAll()

    // What a process that died right after receiving leaves behind: the journaled batch only.
    await new InboxJournal(db, connection.id).write('notify', [
      double.customerText({ id: 'CRASH-1', text: 'recibido y no guardado', phone: '593991230010' }),
    ])
    assert.isNull(await Message.findBy('external_id', 'CRASH-1'))

    await manager().connect(connection.id)
    await settle(connection)
    const recovered = await Message.findByOrFail('external_id', 'CRASH-1')
    assert.equal(recovered.body, 'recibido y no guardado')
    assert.lengthOf(await db.from('baileys_inbox'), 0)
    assert.lengthOf(await Conversation.query().whereNot('state', 'resolved'), 1)
  })

  test('image and voice note are downloaded into the media store', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert(upsertFixture('messages-upsert-image-notify').messages)
    double.upsert(upsertFixture('messages-upsert-audio-ptt-notify').messages)
    await settle(connection)

    const image = await Message.findByOrFail('external_id', '3EB0C0FFEE0000000001')
    assert.equal(image.kind, 'image')
    assert.equal(image.body, 'foto do produto')
    assert.isString(image.mediaPath)
    assert.deepEqual(await readFile(mediaStore.absolutePath(image.mediaPath!)), FAKE_MEDIA)
    const voice = await Message.findByOrFail('external_id', '3EB0C0FFEE0000000002')
    assert.equal(voice.kind, 'voice')
    assert.isString(voice.mediaPath)
    assert.match(voice.mediaPath!, /\.ogg$/)
  })

  test('a reply keeps its quoted message; a reaction points at its target', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'Q-1', text: '¿Precio?', phone: '593991110000' })])
    const reply = double.customerText({ id: 'Q-2', text: 'Respondo esto', phone: '593991110000' })
    reply.message = {
      extendedTextMessage: {
        text: 'Respondo esto',
        contextInfo: { stanzaId: 'Q-1', quotedMessage: { conversation: '¿Precio?' } },
      },
    }
    const reaction = double.customerText({ id: 'Q-3', text: '', phone: '593991110000' })
    reaction.message = {
      reactionMessage: { key: { id: 'Q-1', remoteJid: '593991110000@s.whatsapp.net' }, text: '👍' },
    }
    double.upsert([reply, reaction])
    await settle(connection)

    const quoted = await Message.findByOrFail('external_id', 'Q-1')
    const stored = await Message.findByOrFail('external_id', 'Q-2')
    assert.equal(stored.replyToMessageId, quoted.id)
    const react = await Message.findByOrFail('external_id', 'Q-3')
    assert.equal(react.kind, 'reaction')
    assert.equal(react.body, '👍')
    assert.equal(react.replyToMessageId, quoted.id)
  })

  test('an undecryptable stub waits for the retry; the real message replaces it, never a blank', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const stub = double.customerText({ id: 'C-1', text: '', phone: '593991110001' })
    delete stub.message
    stub.messageStubType = proto.WebMessageInfo.StubType.CIPHERTEXT
    stub.messageStubParameters = ['No session record']
    double.upsert([stub])
    await settle(connection)
    assert.lengthOf(await Message.all(), 0)

    double.upsert([
      double.customerText({ id: 'C-1', text: 'ya se puede leer', phone: '593991110001' }),
    ])
    await settle(connection)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const messages = await Message.all()
    assert.lengthOf(messages, 1)
    assert.equal(messages[0].body, 'ya se puede leer')

    // Never decrypted: after the grace period a labelled placeholder is stored (not blank text).
    const lost = double.customerText({ id: 'C-2', text: '', phone: '593991110001' })
    delete lost.message
    lost.messageStubType = proto.WebMessageInfo.StubType.CIPHERTEXT
    double.upsert([lost])
    await settle(connection)
    await new Promise((resolve) => setTimeout(resolve, 400))
    const placeholder = await Message.findByOrFail('external_id', 'C-2')
    assert.equal(placeholder.kind, 'unsupported')
    assert.isTrue((placeholder.metadata as Record<string, unknown>).undecryptable as boolean)
  })

  test('groups stay out of the inbox unless enabled for the connection', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const groupMessage = (id: string): WAMessage => ({
      key: {
        remoteJid: '120363000000000001@g.us',
        participant: '593991110002@s.whatsapp.net',
        fromMe: false,
        id,
      },
      message: { conversation: 'hola grupo' },
      messageTimestamp: Math.floor(Date.now() / 1000),
      pushName: 'Luis',
    })
    double.upsert([groupMessage('G-1')])
    await settle(connection)
    assert.lengthOf(await Message.all(), 0)

    await db
      .from('baileys_sessions')
      .where('connection_id', connection.id)
      .update({ groups_enabled: true })
    const { default: drivers } = await import('#plugins/baileys/baileys_driver')
    await drivers.manager()!.tick()
    double.upsert([groupMessage('G-2')])
    await settle(connection)
    const stored = await Message.findByOrFail('external_id', 'G-2')
    assert.equal((stored.metadata as Record<string, unknown>).groupJid, '120363000000000001@g.us')
  })

  test('messages sent from the phone are stored as outbound; our own echoes are not', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const fromPhone = double.customerText({
      id: 'F-1',
      text: 'Le escribo desde el celular',
      phone: '593991110003',
    })
    fromPhone.key.fromMe = true
    double.upsert([fromPhone], 'append')
    await settle(connection)
    const stored = await Message.findByOrFail('external_id', 'F-1')
    assert.equal(stored.direction, 'out')
    assert.equal(stored.status, 'sent')
  })

  test('statuses map from messages.update and receipts, never backwards; PLAYED is read; ERROR fails', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'S-0', text: 'hola', phone: '593991110004' })])
    await settle(connection)
    const conversation = await Conversation.firstOrFail()
    const agent = await createUser('agent')
    const submit = (body: string) =>
      outbound.submit({
        conversationId: conversation.id,
        authorUserId: agent.id,
        clientId: `c-${body}`,
        kind: 'text',
        body,
      })
    const { message: first } = await submit('uno')
    const { message: second } = await submit('dos')
    const dispatcher = new OutboxDispatcher({ resolveDriver: driverFor, random: () => 0.5 })
    await dispatcher.runOnce()
    await dispatcher.runOnce()
    await settle(connection)
    await first.refresh()
    await second.refresh()
    assert.equal(first.status, 'sent')
    assert.equal(second.status, 'sent')
    assert.lengthOf(
      await Message.query().where('direction', 'out'),
      2,
      'the echoes were not ingested'
    )

    double.receipt(
      first.externalId!,
      '593991110004@s.whatsapp.net',
      proto.WebMessageInfo.Status.PLAYED
    )
    double.receipt(
      first.externalId!,
      '593991110004@s.whatsapp.net',
      proto.WebMessageInfo.Status.DELIVERY_ACK
    )
    double.ev.emit('messages.update', [
      {
        key: { remoteJid: '593991110004@s.whatsapp.net', fromMe: true, id: second.externalId! },
        update: { status: 0, messageStubParameters: ['463'] },
      },
    ])
    await settle(connection)
    await first.refresh()
    await second.refresh()
    assert.equal(first.status, 'read')
    assert.equal(second.status, 'failed')

    const { message: third } = await submit('tres')
    await dispatcher.runOnce()
    await third.refresh()
    double.ev.emit('message-receipt.update', [
      {
        key: { remoteJid: '593991110004@s.whatsapp.net', fromMe: true, id: third.externalId! },
        receipt: { userJid: '593991110004@s.whatsapp.net', receiptTimestamp: 1760000100 },
      },
    ])
    await settle(connection)
    await third.refresh()
    assert.equal(third.status, 'delivered')
  })

  test('a customer edits a message, then deletes another: both stay readable, marked, live', async ({
    assert,
  }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const jid = '593991230001@s.whatsapp.net'
    double.upsert(
      [
        double.customerText({ id: 'EDIT-1', text: 'Pago el lunes', phone: '593991230001' }),
        double.customerText({ id: 'GONE-1', text: 'Mi clave es 1234', phone: '593991230001' }),
      ],
      'notify'
    )
    await settle(connection)
    // The shapes Baileys' process-message emits for MESSAGE_EDIT and REVOKE protocol messages.
    double.ev.emit('messages.update', [
      {
        key: { remoteJid: jid, fromMe: false, id: 'EDIT-1' },
        update: {
          message: { editedMessage: { message: { conversation: 'Pago el martes' } } },
          messageTimestamp: 1760000200,
        },
      },
      {
        key: { remoteJid: jid, fromMe: false, id: 'GONE-1' },
        update: {
          message: null,
          messageStubType: proto.WebMessageInfo.StubType.REVOKE,
          key: { remoteJid: jid, fromMe: false, id: 'PROTOCOL-2' },
        },
      },
    ])
    await settle(connection)
    const edited = await Message.findByOrFail('external_id', 'EDIT-1')
    assert.equal(edited.body, 'Pago el martes')
    assert.deepEqual((edited.metadata as any).edits, [
      { body: 'Pago el lunes', replacedAt: new Date(1760000200 * 1000).toISOString() },
    ])
    const gone = await Message.findByOrFail('external_id', 'GONE-1')
    assert.equal(gone.body, 'Mi clave es 1234')
    assert.isString((gone.metadata as any).revokedAt)
    assert.lengthOf(await Message.query().where('connection_id', connection.id), 2)
  })

  test('a quoted reply sends the stored WAMessage as quoted', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    double.upsert([double.customerText({ id: 'R-1', text: '¿Horario?', phone: '593991110005' })])
    await settle(connection)
    const conversation = await Conversation.firstOrFail()
    const quoted = await Message.findByOrFail('external_id', 'R-1')
    const agent = await createUser('agent')
    await outbound.submit({
      conversationId: conversation.id,
      authorUserId: agent.id,
      clientId: 'reply-1',
      kind: 'text',
      body: 'De 8 a 17',
      replyToMessageId: quoted.id,
    })
    await new OutboxDispatcher({ resolveDriver: driverFor, random: () => 0.5 }).runOnce()
    const sent = double.sent.at(-1)!
    assert.equal(sent.jid, '593991110005@s.whatsapp.net')
    assert.deepEqual(sent.content, { text: 'De 8 a 17' })
    assert.equal(sent.options?.quoted?.key.id, 'R-1')
  })

  test('history, contacts and calls are reported through the ingest port', async ({ assert }) => {
    const connection = await connected()
    const double = doubles.latest(connection.id)
    const history = fixture('messaging-history.set', 'messaging-history-set-shape')
    double.ev.emit('messaging-history.set', history)
    double.ev.emit('call', fixture('call', 'call-offer'))
    await settle(connection)
    const imported = await Message.query().where('historical', true)
    assert.isAbove(imported.length, 0)
    const calls = await Message.query().where('kind', 'call')
    assert.lengthOf(calls, 1)
  })
})
