import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { ffmpegPath } from '#plugins/meta_cloud/driver/voice_converter'
import db from '@adonisjs/lucid/services/db'
import Message from '#models/message'
import Conversation from '#models/conversation'
import type Connection from '#models/connection'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import outboxDispatcher from '#channels/outbox_runtime'
import { driverFor } from '#channels/channel_registry'
import { ChannelSendError, type OutboundMessage } from '#channels/channel_driver'
import mediaStore from '#services/media_store'
import conversationReads from '#services/conversation_reads'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { graphError } from '#plugins/meta_cloud/fake/graph_errors'
import type { GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import {
  FIXTURE_NUMBER,
  drainWebhooks,
  metaConnection,
  PAYMENT_TEMPLATE,
  startFake,
  withTemplate,
} from '#plugins/meta_cloud/tests/meta_harness'

/** Voice notes need Debian's ffmpeg; a machine without it skips that one test, saying why. */
const hasFfmpeg = (() => {
  try {
    execFileSync(ffmpegPath(), ['-version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/*
| Outbound through the real outbox and driver against the fake Graph API:
| request bodies shaped like the recorded send fixtures, media uploaded and
| sent by id, templates, every recorded error envelope mapped to the right
| retry policy, the 24-hour window failing asynchronously, mark-as-read.
*/

const FIXTURES =
  process.env.META_FIXTURES ?? join(process.cwd(), 'plugins', 'meta_cloud', 'tests', 'fixtures')
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))
const CUSTOMER = '15557654321'

let fake: GraphApiFake
let connection: Connection
const dispatcher = new OutboxDispatcher({ resolveDriver: driverFor, random: () => 0.5 })

/** Keys (recursively) of a JSON value: the shape, not the values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : []
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])])
    )
  }
  return typeof value
}

async function customerWrites(text = 'Hola') {
  const { payload, id } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
    from: CUSTOMER,
    name: 'Test User',
    message: { type: 'text', text: { body: text } },
  })
  await fake.deliver(payload)
  await drainWebhooks()
  return { conversation: await Conversation.query().firstOrFail(), wamid: id }
}

async function submit(input: Partial<Parameters<typeof outbound.submit>[0]> = {}) {
  const { conversation } = await customerWrites()
  const agent = await createUser('agent')
  const { message } = await outbound.submit({
    conversationId: conversation.id,
    authorUserId: agent.id,
    clientId: `c-${Math.random()}`,
    kind: 'text',
    body: 'Sí, lo tenemos en azul',
    ...input,
  })
  await dispatcher.runOnce()
  await message.refresh()
  return message
}

function sends() {
  return fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))
}

function outboundMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 1,
    connectionId: connection.id,
    conversationId: 1,
    to: { contactId: 1, phoneE164: `+${CUSTOMER}`, waId: CUSTOMER, lid: null, bsuid: null },
    kind: 'text',
    body: 'hola',
    media: null,
    replyTo: null,
    metadata: {},
    attempt: 1,
    ...overrides,
  }
}

test.group('Meta Graph API / sending', (group) => {
  group.setup(async () => {
    await outboxDispatcher.stop()
    fake = await startFake()
    mediaStore.useRoot(join(process.cwd(), 'tmp', `meta-graph-${process.pid}`))
    return async () => {
      mediaStore.useRoot(null)
      outboxDispatcher.start()
    }
  })
  group.each.setup(async () => {
    await resetDatabase()
    fake.reset()
    connection = await metaConnection(fake)
  })

  test('text goes out shaped like send-text-request.json and gets the wamid', async ({
    assert,
  }) => {
    const message = await submit()
    assert.equal(message.status, 'sent')
    assert.match(message.externalId!, /^wamid\./)
    const [request] = sends()
    const expected = fixture('send-text-request.json')
    // preview_url is optional and never sent: links are refused by the composer (R-MSG-2).
    delete expected.text.preview_url
    assert.deepEqual(shape(request.body), shape(expected))
    assert.equal(request.body.to, CUSTOMER)
    assert.equal(request.body.text.body, 'Sí, lo tenemos en azul')
    assert.equal(request.headers.authorization, `Bearer ${FIXTURE_NUMBER.accessToken}`)
    assert.include(request.path, `/v23.0/${FIXTURE_NUMBER.phoneNumberId}/messages`)
  })

  test('a quoted reply carries context.message_id like send-text-reply-request.json', async ({
    assert,
  }) => {
    const { conversation, wamid } = await customerWrites('¿Lo tienen en azul?')
    const quoted = await Message.query().where('external_id', wamid).firstOrFail()
    const agent = await createUser('agent')
    await outbound.submit({
      conversationId: conversation.id,
      authorUserId: agent.id,
      clientId: 'quote-1',
      kind: 'text',
      body: 'Sí',
      replyToMessageId: quoted.id,
    })
    await dispatcher.runOnce()
    const [request] = sends()
    assert.deepEqual(shape(request.body), shape(fixture('send-text-reply-request.json')))
    assert.equal(request.body.context.message_id, wamid)
  })

  test('an image is uploaded first, then sent by id (send-image-by-id-request.json)', async ({
    assert,
  }) => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64'
    )
    const stored = await mediaStore.put(png, {
      mime: 'image/png',
      ext: 'png',
      filename: 'azul.png',
    })
    const message = await submit({ kind: 'image', body: 'Foto del producto', media: stored })
    assert.equal(message.status, 'sent')
    const upload = fake.requests.find((r) => r.path.endsWith('/media'))!
    assert.equal(upload.body.messaging_product, 'whatsapp')
    assert.equal(upload.body.type, 'image/png')
    assert.equal(upload.body.file.size, png.length)
    const [request] = sends()
    assert.deepEqual(shape(request.body), shape(fixture('send-image-by-id-request.json')))
    assert.equal(request.body.image.caption, 'Foto del producto')
    const media = fake.media.get(request.body.image.id)!
    assert.deepEqual(media.bytes, png)
  })

  test('a PDF goes as a document with its filename', async ({ assert }) => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
    const stored = await mediaStore.put(pdf, {
      mime: 'application/pdf',
      ext: 'pdf',
      filename: 'cotización.pdf',
    })
    const message = await submit({ kind: 'document', body: null, media: stored })
    assert.equal(message.status, 'sent')
    const [request] = sends()
    assert.equal(request.body.type, 'document')
    assert.equal(request.body.document.filename, 'cotización.pdf')
  })

  test('a browser voice note (WebM/Opus) is converted to OGG/Opus with ffmpeg before upload', async ({
    assert,
  }) => {
    const webm = execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=d=1',
      '-c:a',
      'libopus',
      '-f',
      'webm',
      'pipe:1',
    ])
    const stored = await mediaStore.put(webm, {
      mime: 'audio/webm',
      ext: 'webm',
      filename: 'nota.webm',
    })
    const message = await submit({ kind: 'voice', body: null, media: stored })
    assert.equal(message.status, 'sent', message.failureReason ?? '')
    const upload = fake.requests.find((r) => r.path.endsWith('/media'))!
    assert.equal(upload.body.type, 'audio/ogg')
    const [request] = sends()
    assert.deepEqual(shape(request.body), shape(fixture('send-audio-by-id-request.json')))
    const media = fake.media.get(request.body.audio.id)!
    assert.equal(media.bytes.subarray(0, 4).toString(), 'OggS')
  }).skip(!hasFfmpeg, 'ffmpeg is not installed (Debian package `ffmpeg`; .ci/run installs it)')

  test('a template goes shaped like send-template-request.json', async ({ assert }) => {
    const message = await submit({
      body: 'Hola Ana, su pedido 4711 está listo.',
      metadata: {
        template: {
          name: 'seguimiento',
          language: 'es',
          parameters: [{ value: 'Ana' }, { value: '4711' }],
        },
      },
    })
    assert.equal(message.status, 'sent', message.failureReason ?? '')
    const [request] = sends()
    assert.equal(request.body.type, 'template')
    assert.equal(request.body.template.name, 'seguimiento')
    assert.deepEqual(request.body.template.language, { code: 'es' })
    const body = request.body.template.components.find((c: any) => c.type === 'body')
    assert.deepEqual(body.parameters, [
      { type: 'text', text: 'Ana' },
      { type: 'text', text: '4711' },
    ])
    const expected = fixture('send-template-request.json')
    assert.includeMembers(Object.keys(request.body), Object.keys(expected))
  })

  test('a template with the wrong parameter count fails for good with 132000 explained', async ({
    assert,
  }) => {
    const message = await submit({
      body: 'Hola',
      metadata: {
        template: { name: 'seguimiento', language: 'es', parameters: [{ value: 'Ana' }] },
      },
    })
    assert.equal(message.status, 'failed')
    assert.equal(message.failureCode, '132000')
    assert.include(message.failureReason!, 'parámetros')
  })

  test('a media header or a URL button left out fails like Meta: 132000 (count), 132012 (format)', async ({
    assert,
  }) => {
    await withTemplate(fake, PAYMENT_TEMPLATE, async () => {
      const send = (parameters: { name: string; value: string }[]) =>
        submit({
          body: 'Estimado Ana, su cuota vence hoy.',
          metadata: {
            template: {
              name: 'cuota_vence',
              language: 'es',
              parameters: [{ name: null, value: 'Ana' }, ...parameters],
            },
          },
        })
      const noButton = await send([{ name: 'header:image', value: 'https://e.ec/a.png' }])
      assert.equal(noButton.failureCode, '132000')
      const noHeader = await send([{ name: 'button:0', value: 'X1' }])
      assert.equal(noHeader.failureCode, '132000')
      const wrongFormat = await send([
        { name: 'header:document', value: 'https://e.ec/a.pdf' },
        { name: 'button:0', value: 'X1' },
      ])
      assert.equal(wrongFormat.failureCode, '132012')
      const right = await send([
        { name: 'header:image', value: 'https://e.ec/a.png' },
        { name: 'button:0', value: 'X1' },
      ])
      assert.equal(right.status, 'sent', right.failureReason ?? '')
    })
  })

  test('the recorded error envelopes: the fake answers them byte-shape identical', async ({
    assert,
  }) => {
    for (const [file, code] of [
      ['error-100-invalid-parameter.json', 100],
      ['error-130429.json', 130429],
      ['error-131047-sync.json', 131047],
      ['error-190-token.json', 190],
      ['error-368-blocked.json', 368],
    ] as const) {
      const recorded = fixture(file)
      const ours = graphError(code, code === 190 ? { subcode: 463 } : {}).body
      assert.deepEqual(shape(ours), shape(recorded), file)
      assert.equal(ours.error.code, recorded.error.code)
    }
  })

  test('each recorded error maps to the documented policy', async ({ assert }) => {
    const driver = driverFor(connection)!
    const expectations: [number, boolean, number | null][] = [
      [130429, true, 1000],
      [131056, true, 6000],
      [131000, true, null],
      [100, false, null],
      [131047, false, null],
      [131026, false, null],
      [368, false, null],
      [190, false, null],
    ]
    for (const [code, retryable, retryAfterMs] of expectations) {
      fake.failNext(FIXTURE_NUMBER.phoneNumberId, code)
      const error = await driver.send(outboundMessage()).catch((e) => e)
      assert.instanceOf(error, ChannelSendError, String(code))
      assert.equal(error.code, String(code))
      assert.equal(error.retryable, retryable, `${code} retryable`)
      assert.equal(error.retryAfterMs, retryAfterMs, `${code} retryAfterMs`)
      assert.isAbove(error.reason.length, 10)
    }
    // 190 and 368 took the number down and alerted an admin.
    await connection.refresh()
    assert.equal(connection.status, 'logged_out')
    const events = await db.from('system_events').where('category', 'meta.connection_disabled')
    assert.isAtLeast(events.length, 2)
  })

  test('a network failure is retryable', async ({ assert }) => {
    await fake.stop()
    try {
      const error = await driverFor(connection)!
        .send(outboundMessage())
        .catch((e) => e)
      assert.instanceOf(error, ChannelSendError)
      assert.isTrue(error.retryable)
      assert.equal(error.code, 'network')
    } finally {
      const port = Number(new URL(fake.baseUrl).port)
      await fake.start(port)
      fake.unref()
    }
  })

  test('130429 through the outbox: retried later, then sent', async ({ assert }) => {
    fake.failNext(FIXTURE_NUMBER.phoneNumberId, 130429)
    const message = await submit()
    assert.equal(message.status, 'queued')
    const row = await db.from('outbox').where('message_id', message.id).firstOrFail()
    assert.equal(row.state, 'pending')
    assert.include(row.last_error, '130429')
    await db.from('outbox').update({ next_attempt_at: new Date(Date.now() - 1000) })
    await dispatcher.runOnce()
    await message.refresh()
    assert.equal(message.status, 'sent')
  })

  test('free text after 24 h: accepted, then failed by a 131047 status webhook', async ({
    assert,
  }) => {
    const { conversation } = await customerWrites()
    fake.setLastInbound(FIXTURE_NUMBER.phoneNumberId, CUSTOMER, Date.now() - 25 * 3600_000)
    const agent = await createUser('agent')
    const { message } = await outbound.submit({
      conversationId: conversation.id,
      authorUserId: agent.id,
      clientId: 'late',
      kind: 'text',
      body: '¿Sigue interesado?',
    })
    await dispatcher.runOnce()
    await message.refresh()
    assert.equal(message.status, 'sent')
    for (let i = 0; i < 50 && message.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      await drainWebhooks()
      await message.refresh()
    }
    assert.equal(message.status, 'failed')
    assert.equal(message.failureCode, '131047')
    assert.include(message.failureReason!, 'plantilla')
  })

  test('a username-only contact is sent to by business-scoped user id (recipient)', async ({
    assert,
  }) => {
    await driverFor(connection)!.send(
      outboundMessage({
        to: { contactId: 1, phoneE164: null, waId: null, lid: null, bsuid: 'US.1349120865530274' },
        metadata: {
          template: {
            name: 'seguimiento',
            language: 'es',
            parameters: [{ value: 'a' }, { value: 'b' }],
          },
        },
      })
    )
    const [request] = sends()
    assert.equal(request.body.recipient, 'US.1349120865530274')
    assert.notProperty(request.body, 'to')
    assert.deepEqual(
      Object.keys(request.body).sort(),
      Object.keys({ ...fixture('send-text-bsuid-request.json'), template: 1 })
        .filter((k) => k !== 'text')
        .sort()
    )
  })

  test('opening the conversation marks the last customer message read at Meta', async ({
    assert,
  }) => {
    const { conversation, wamid } = await customerWrites('¿Hay stock?')
    await conversationReads.markRead(conversation.id)
    let request = fake.requests.find((r) => r.body?.status === 'read')
    for (let i = 0; i < 40 && !request; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      request = fake.requests.find((r) => r.body?.status === 'read')
    }
    assert.exists(request)
    const expected = fixture('send-mark-read-request.json')
    assert.equal(request!.body.message_id, wamid)
    assert.equal(request!.body.messaging_product, expected.messaging_product)
    assert.equal(request!.body.status, expected.status)
  })

  test('mark-as-read is off when the number says so', async ({ assert }) => {
    await db.from('meta_cloud_numbers').update({ mark_read: false })
    const { default: numbers } = await import('#plugins/meta_cloud/numbers/meta_numbers')
    numbers.invalidate()
    const { conversation } = await customerWrites('¿Hay stock?')
    const { markConversationRead } = await import('#plugins/meta_cloud/driver/mark_read')
    assert.isFalse(await markConversationRead(conversation.id))
    assert.notExists(fake.requests.find((r) => r.body?.status === 'read'))
  })
})
