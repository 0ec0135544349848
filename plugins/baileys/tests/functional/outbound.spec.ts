import { test } from '@japa/runner'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mediaStore from '#services/media_store'
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
| What the driver hands Baileys for each kind (CONTRACTS.md B.5): image with
| caption, PDF as a document with its name, voice notes as OGG/Opus `ptt`,
| and the recipient JID (phone form first, LID when that is all we know).
*/

function outbound(connectionId: number, patch: Partial<OutboundMessage>): OutboundMessage {
  return {
    messageId: 1,
    connectionId,
    conversationId: 1,
    to: { contactId: 1, phoneE164: '+593990000201', waId: '593990000201', lid: null, bsuid: null },
    kind: 'text',
    body: null,
    media: null,
    replyTo: null,
    metadata: {},
    attempt: 1,
    ...patch,
  }
}

async function stored(bytes: Buffer, mime: string, ext: string, filename: string | null = null) {
  const file = await mediaStore.put(bytes, { mime, ext, filename })
  return {
    path: file.path,
    mime,
    size: file.size,
    filename,
    sha256: file.sha256,
    providerMediaId: null,
  }
}

test.group('Baileys / outbound kinds', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())
  group.setup(async () => {
    mediaStore.useRoot(await mkdtemp(join(tmpdir(), 'baileys-out-')))
    return () => mediaStore.useRoot(null)
  })

  test('image, PDF and voice note are sent with the content Baileys expects', async ({
    assert,
  }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    const driver = driverFor(connection)!
    await driver.connect()
    await settle(connection)
    const double = doubles.latest(connection.id)
    const jpeg = Buffer.from('ffd8ffe000104a4649460001', 'hex')
    const pdf = Buffer.from('%PDF-1.4\n%…\n')
    const ogg = Buffer.from('OggS\0\x02fake-opus')

    await driver.send(
      outbound(connection.id, {
        kind: 'image',
        body: 'Catálogo',
        media: await stored(jpeg, 'image/jpeg', 'jpg'),
      })
    )
    await driver.send(
      outbound(connection.id, {
        kind: 'document',
        body: 'Su estado de cuenta',
        media: await stored(pdf, 'application/pdf', 'pdf', 'estado.pdf'),
      })
    )
    await driver.send(
      outbound(connection.id, {
        kind: 'voice',
        media: await stored(ogg, 'audio/ogg; codecs=opus', 'ogg'),
      })
    )

    const [image, document, voice] = double.sent.map((s) => s.content as Record<string, unknown>)
    assert.deepEqual(image.image, jpeg)
    assert.equal(image.caption, 'Catálogo')
    assert.equal(image.mimetype, 'image/jpeg')
    assert.deepEqual(document.document, pdf)
    assert.equal(document.mimetype, 'application/pdf')
    assert.equal(document.fileName, 'estado.pdf')
    assert.equal(document.caption, 'Su estado de cuenta')
    assert.deepEqual(voice.audio, ogg)
    assert.isTrue(voice.ptt)
    assert.equal(voice.mimetype, 'audio/ogg; codecs=opus')
    assert.deepEqual(
      double.sent.map((s) => s.jid),
      Array(3).fill('593990000201@s.whatsapp.net')
    )
  })

  test('a LID-only contact is written to at its LID; no id at all fails for good', async ({
    assert,
  }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    const driver = driverFor(connection)!
    await driver.connect()
    await settle(connection)
    const to = { contactId: 2, phoneE164: null, waId: null, lid: '123456789012345', bsuid: null }
    await driver.send(outbound(connection.id, { to, body: 'Hola' }))
    assert.equal(doubles.latest(connection.id).sent[0].jid, '123456789012345@lid')

    const error = await driver
      .send(outbound(connection.id, { to: { ...to, lid: null }, body: 'Hola' }))
      .catch((e) => e)
    assert.instanceOf(error, ChannelSendError)
    assert.isFalse(error.retryable)
  })

  test('not connected here: a retryable error, so the outbox tries again later', async ({
    assert,
  }) => {
    useDoubleRuntime()
    const connection = await baileysConnection()
    const error = await driverFor(connection)!
      .send(outbound(connection.id, { body: 'Hola' }))
      .catch((e) => e)
    assert.instanceOf(error, ChannelSendError)
    assert.isTrue(error.retryable)
    assert.equal(error.code, 'not_connected')
  })
})
