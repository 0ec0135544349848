import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Message from '#models/message'
import Contact from '#models/contact'
import Conversation from '#models/conversation'
import outbound from '#channels/outbound_service'
import mediaStore from '#services/media_store'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { sign, type GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import { rejections } from '#plugins/meta_cloud/webhook/webhook_handlers'
import {
  FIXTURE_NUMBER,
  VERIFY_TOKEN,
  drainWebhooks,
  metaConnection,
  startFake,
  webhookUrl,
} from '#plugins/meta_cloud/tests/meta_harness'

/*
| The real webhook route (`/webhooks/meta`) fed with every recorded payload
| of plugins/meta_cloud/tests/fixtures (copied from the spec's whatsapp/meta), signed with the app secret, plus unicode
| bodies, duplicates, batches, out-of-order statuses, unknown types, bad
| signatures and errors inside webhooks.
*/

const FIXTURES =
  process.env.META_FIXTURES ?? join(process.cwd(), 'plugins', 'meta_cloud', 'tests', 'fixtures')
const OUT_WAMID = 'wamid.HBgLMTU1NTc2NTQzMjEVAgARGBI5QTAwMDAwMDAwMDAwMDAwMDIA'
const IN_WAMID = 'wamid.HBgLMTU1NTc2NTQzMjEVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA='

let fake: GraphApiFake
const fixture = (name: string) => readFileSync(join(FIXTURES, name))

async function post(raw: Buffer | string, signature?: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const sig = signature === undefined ? sign(raw, FIXTURE_NUMBER.appSecret) : signature
  if (sig !== null) headers['x-hub-signature-256'] = sig
  const response = await fetch(webhookUrl(), {
    method: 'POST',
    headers,
    body: typeof raw === 'string' ? raw : new Uint8Array(raw),
  })
  return { status: response.status, text: await response.text() }
}

async function deliverFixture(name: string) {
  const answer = await post(fixture(name))
  if (answer.status !== 200) throw new Error(`${name}: webhook answered ${answer.status}`)
  await drainWebhooks()
}

/** An agent's message already sent under the wamid the status fixtures refer to. */
async function sentMessage() {
  await deliverFixture('inbound-text.json')
  const conversation = await Conversation.query().firstOrFail()
  const agent = await createUser('agent')
  const { message } = await outbound.submit({
    conversationId: conversation.id,
    authorUserId: agent.id,
    clientId: `c-${Math.random()}`,
    kind: 'text',
    body: 'Sí, en azul',
  })
  await db.from('outbox').where('message_id', message.id).update({ state: 'done' })
  await db
    .from('messages')
    .where('id', message.id)
    .update({ external_id: OUT_WAMID, status: 'sent', sent_at: new Date() })
  return message
}

const INBOUND_EXPECTATIONS: Record<
  string,
  { kind: string; body?: string | null; media?: boolean; check?: (m: Message) => void }
> = {
  'inbound-text.json': { kind: 'text', body: 'Do you have this in blue?' },
  'inbound-text-reply-context.json': { kind: 'text', body: 'replied text' },
  'inbound-image.json': { kind: 'image', body: 'photo caption', media: true },
  'inbound-audio-voice.json': { kind: 'voice', media: true },
  'inbound-document.json': { kind: 'document', body: 'caption', media: true },
  'inbound-video.json': { kind: 'video', body: 'caption', media: true },
  'inbound-sticker.json': { kind: 'sticker', media: true },
  'inbound-location.json': { kind: 'location' },
  'inbound-contacts.json': { kind: 'contacts', body: 'Ana Silva' },
  'inbound-interactive-button-reply.json': { kind: 'interactive', body: 'Yes' },
  'inbound-interactive-list-reply.json': { kind: 'interactive', body: 'Row title' },
  'inbound-button.json': { kind: 'interactive', body: 'Stop promotions' },
  'inbound-reaction.json': { kind: 'reaction', body: '👍' },
}

/** The media ids the fixtures reference, held by the fake as Meta would. */
function seedFixtureMedia() {
  const media: [string, string, string | null][] = [
    ['1000000000000101', 'image/jpeg', null],
    ['1000000000000102', 'audio/ogg', null],
    ['1000000000000103', 'application/pdf', 'invoice.pdf'],
    ['1000000000000104', 'video/mp4', null],
    ['1000000000000105', 'image/webp', null],
  ]
  for (const [id, mime, filename] of media) {
    fake.storeMedia(FIXTURE_NUMBER.phoneNumberId, Buffer.from(`bytes of ${id}`), mime, filename, id)
  }
}

test.group('Meta webhook / recorded payloads', (group) => {
  group.setup(async () => {
    fake = await startFake()
    mediaStore.useRoot(join(process.cwd(), 'tmp', `meta-media-${process.pid}`))
    return () => mediaStore.useRoot(null)
  })
  group.each.setup(async () => {
    await resetDatabase()
    rejections.reset()
    fake.reset()
    seedFixtureMedia()
    await metaConnection(fake)
  })

  test('every inbound fixture lands normalized: {$self}')
    .with(Object.keys(INBOUND_EXPECTATIONS))
    .run(async ({ assert }, name) => {
      const expected = INBOUND_EXPECTATIONS[name]
      await deliverFixture(name)
      const messages = await Message.query().where('direction', 'in')
      assert.lengthOf(messages, 1, name)
      const [message] = messages
      assert.equal(message.kind, expected.kind)
      assert.equal(message.externalId, IN_WAMID)
      if (expected.body !== undefined) assert.equal(message.body, expected.body)
      if (expected.media) {
        assert.isString(message.mediaPath, `${name} media stored`)
        assert.isTrue(await mediaStore.exists(message.mediaPath!))
        assert.isString(message.mediaProviderId)
      }
      const contact = await Contact.query().firstOrFail()
      assert.equal(contact.waId, '15557654321')
      assert.equal(contact.profileName, 'Test User')
      // The fake saw the two-step download with the token (A.8).
      if (expected.media) {
        const download = fake.requests.find((r) => r.path.startsWith('/download/'))
        assert.equal(download?.headers.authorization, `Bearer ${FIXTURE_NUMBER.accessToken}`)
      }
    })

  test('a reply keeps its quoted wamid; location keeps its coordinates', async ({ assert }) => {
    await deliverFixture('inbound-text-reply-context.json')
    const reply = await Message.query().firstOrFail()
    assert.equal(reply.replyToExternalId, OUT_WAMID)

    await resetDatabase()
    await metaConnection(fake)
    await deliverFixture('inbound-location.json')
    const location = await Message.query().firstOrFail()
    assert.deepInclude((location.metadata as any).location, {
      latitude: 37.4611978,
      longitude: -122.2164385,
      name: 'Some Place',
    })
  })

  test('status fixtures move the sent message forward, never back', async ({ assert }) => {
    const message = await sentMessage()
    await deliverFixture('status-sent.json')
    await deliverFixture('status-read.json')
    await message.refresh()
    assert.equal(message.status, 'read')
    // Out of order: delivered after read changes nothing.
    await deliverFixture('status-delivered.json')
    await message.refresh()
    assert.equal(message.status, 'read')
    assert.isNotNull(message.deliveredAt)
  })

  test('status-delivered.json marks delivered', async ({ assert }) => {
    const message = await sentMessage()
    await deliverFixture('status-delivered.json')
    await message.refresh()
    assert.equal(message.status, 'delivered')
  })

  test('status-failed.json: failed with Meta code 131047 and a human explanation', async ({
    assert,
  }) => {
    const message = await sentMessage()
    await deliverFixture('status-failed.json')
    await message.refresh()
    assert.equal(message.status, 'failed')
    assert.equal(message.failureCode, '131047')
    assert.include(message.failureReason!, '24 horas')
  })

  test('call fixtures become one call entry that follows the call', async ({ assert }) => {
    await deliverFixture('calls-connect-user-initiated.json')
    await deliverFixture('calls-terminate.json')
    const calls = await Message.query().where('kind', 'call')
    assert.lengthOf(calls, 1)
    await deliverFixture('calls-connect-business-initiated.json')
    await deliverFixture('calls-status-ringing.json')
    assert.lengthOf(await Message.query().where('kind', 'call'), 1)
  })

  test('webhook-signature-vector.json: the valid vector is accepted, the flipped one rejected', async ({
    assert,
  }) => {
    const vector = JSON.parse(fixture('webhook-signature-vector.json').toString())
    assert.equal(vector.app_secret, FIXTURE_NUMBER.appSecret)
    for (const item of vector.vectors) {
      const answer = await post(fixture(item.body_file), item.expected_header_value)
      assert.equal(answer.status, item.expect_valid ? 200 : 401)
    }
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 1)
    const events = await db.from('system_events').where('category', 'meta.webhook_bad_signature')
    assert.lengthOf(events, 1)
    assert.equal(events[0].level, 'critical')
  })

  test('webhook-verify-get.json: the handshake answers the challenge as plain text', async ({
    client,
    assert,
  }) => {
    const vector = JSON.parse(fixture('webhook-verify-get.json').toString())
    const query = { ...vector.request.query, 'hub.verify_token': VERIFY_TOKEN }
    const ok = await client.get('/webhooks/meta').qs(query)
    ok.assertStatus(200)
    assert.equal(ok.text(), vector.expected_response.body)
    assert.include(ok.header('content-type'), 'text/plain')

    const wrong = await client.get('/webhooks/meta').qs(vector.request.query)
    wrong.assertStatus(vector.on_mismatch.status)
    const badMode = await client.get('/webhooks/meta').qs({ ...query, 'hub.mode': 'unsubscribe' })
    badMode.assertStatus(403)
  })

  test('every fixture file is covered by a test', ({ assert }) => {
    const covered = new Set([
      ...Object.keys(INBOUND_EXPECTATIONS),
      'status-sent.json',
      'status-read.json',
      'status-delivered.json',
      'status-failed.json',
      'calls-connect-user-initiated.json',
      'calls-terminate.json',
      'calls-connect-business-initiated.json',
      'calls-status-ringing.json',
      'webhook-signature-vector.json',
      'webhook-verify-get.json',
    ])
    // Graph API requests/responses/errors are covered by meta_graph.spec.ts.
    const webhookFixtures = readdirSync(FIXTURES).filter(
      (f) => f.endsWith('.json') && !/(request|response)\.json$/.test(f) && !f.startsWith('error-')
    )
    for (const file of webhookFixtures) assert.isTrue(covered.has(file), `${file} is not fed`)
  })
})

test.group('Meta webhook / robustness', (group) => {
  group.setup(async () => {
    fake ??= await startFake()
  })
  group.each.setup(async () => {
    await resetDatabase()
    rejections.reset()
    fake.reset()
    await metaConnection(fake)
  })

  test('accents and emoji: Meta-escaped and raw UTF-8 bodies verify over the raw bytes', async ({
    assert,
  }) => {
    const text = 'Señora Ñusta: ¿llegó mi pedido? 🙏🏽 ✓'
    const escaped = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      name: 'Ñusta Quispe',
      message: { type: 'text', text: { body: text } },
    })
    const raw = fake.rawBody(escaped.payload)
    assert.include(raw, '\\u00f1')
    assert.equal((await post(raw)).status, 200)

    const utf8 = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      name: 'Ñusta Quispe',
      message: { type: 'text', text: { body: `${text} (2)` } },
    })
    assert.equal((await post(Buffer.from(JSON.stringify(utf8.payload), 'utf8'))).status, 200)
    // Re-serializing the escaped body would change its bytes: the signature no longer matches.
    const reserialized = JSON.stringify(JSON.parse(raw))
    assert.equal((await post(reserialized, sign(raw, FIXTURE_NUMBER.appSecret))).status, 401)

    await drainWebhooks()
    // Handled concurrently by the worker: either may be stored first.
    const bodies = (await Message.query().orderBy('id')).map((m) => m.body)
    assert.sameMembers(bodies, [text, `${text} (2)`])
    const contact = await Contact.query().firstOrFail()
    assert.equal(contact.profileName, 'Ñusta Quispe')
  })

  test('missing or foreign signatures are refused and logged as critical', async ({ assert }) => {
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'text', text: { body: 'hola' } },
    })
    const raw = fake.rawBody(payload)
    assert.equal((await post(raw, null)).status, 401)
    assert.equal((await post(raw, sign(raw, 'another-apps-secret'))).status, 401)
    assert.equal((await post(raw, 'sha1=abc')).status, 401)
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 0)
    // One critical event per minute, however many forged requests: the log is not flooded.
    const events = await db.from('system_events').where('category', 'meta.webhook_bad_signature')
    assert.lengthOf(events, 1)
    assert.equal(events[0].level, 'critical')
    rejections.expire()
    assert.equal((await post(raw, null)).status, 401)
    const again = await db.from('system_events').where('category', 'meta.webhook_bad_signature')
    assert.lengthOf(again, 2)
    assert.include(again.at(-1)!.message, '2 more rejected')
  })

  test('the body is read raw, not parsed: broken JSON with a good signature is acknowledged, oversized bodies refused', async ({
    assert,
  }) => {
    // Meta signs bytes; what they say is the worker's business (it retries and, at the end, reports).
    const broken = '{"object":"whatsapp_business_account","entry":[{'
    assert.equal((await post(broken)).status, 200)
    const [stored] = await db.from('meta_cloud_webhooks').select('body')
    assert.equal(stored.body, broken)

    const huge = JSON.stringify({
      object: 'whatsapp_business_account',
      pad: 'x'.repeat(3 * 1024 * 1024),
    })
    const refused = await post(huge)
    assert.equal(refused.status, 413)
    const [{ total }] = await db.from('meta_cloud_webhooks').count('* as total')
    assert.equal(Number(total), 1)
  })

  test('duplicates: the same webhook three times stores one message', async ({ assert }) => {
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'text', text: { body: 'una vez' } },
    })
    for (let i = 0; i < 3; i++) await fake.deliver(payload)
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 1)
    const conversation = await Conversation.query().firstOrFail()
    assert.equal(conversation.unreadCount, 1)
  })

  test('batches: several entries, changes, messages and statuses in one body', async ({
    assert,
  }) => {
    const first = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991000001',
      name: 'Uno',
      message: { type: 'text', text: { body: 'uno' } },
    }).payload
    const second = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991000002',
      name: 'Dos',
      message: { type: 'text', text: { body: 'dos' } },
    }).payload
    const third = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991000002',
      name: 'Dos',
      message: { type: 'text', text: { body: 'tres' } },
    }).payload
    // Two messages in one change, another change in the same entry, and a second entry.
    const change = first.entry[0].changes[0]
    ;(change.value as any).messages.push((third.entry[0].changes[0].value as any).messages[0])
    ;(change.value as any).contacts.push((third.entry[0].changes[0].value as any).contacts[0])
    first.entry[0].changes.push(second.entry[0].changes[0])
    first.entry.push(
      fake.statusPayload(FIXTURE_NUMBER.phoneNumberId, 'wamid.unknown', 'read').entry[0]
    )
    assert.equal((await fake.deliver(first)).status, 200)
    await drainWebhooks()
    const messages = await Message.query().orderBy('created_at')
    assert.sameMembers(
      messages.map((m) => m.body),
      ['uno', 'dos', 'tres']
    )
    assert.lengthOf(await Conversation.all(), 2)
  })

  test('unknown and unsupported types are stored as unsupported without crashing', async ({
    assert,
  }) => {
    const unknown = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'hologram', hologram: { id: 'x' } },
    })
    const unsupported = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: {
        type: 'unsupported',
        errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown' }],
        unsupported: { type: 'poll' },
      },
    })
    await fake.deliver(unknown.payload)
    await fake.deliver(unsupported.payload)
    await drainWebhooks()
    // The worker handles stored webhooks concurrently: which of the two is stored first may vary.
    const messages = await Message.query().orderBy('id')
    assert.sameDeepMembers(
      messages.map((m) => [m.kind, (m.metadata as any).unsupported?.type]),
      [
        ['unsupported', 'hologram'],
        ['unsupported', 'poll'],
      ]
    )
  })

  test('errors inside webhooks (value.errors) are recorded; other items still land', async ({
    assert,
  }) => {
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'text', text: { body: 'sigue' } },
    })
    ;(payload.entry[0].changes[0].value as any).errors = [
      {
        code: 131000,
        title: 'Something went wrong',
        message: 'Something went wrong',
        error_data: { details: 'Unknown error' },
      },
    ]
    await fake.deliver(payload)
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 1)
    const events = await db.from('system_events').where('category', 'meta.webhook_error')
    assert.lengthOf(events, 1)
  })

  test('a username-only sender is keyed by the business-scoped user id', async ({ assert }) => {
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: null,
      userId: 'US.13491208655302741918',
      name: 'Ana',
      message: { type: 'text', text: { body: 'sin número' } },
    })
    ;(payload.entry[0].changes[0].value as any).contacts[0].profile.username = 'ana.andes'
    await fake.deliver(payload)
    await drainWebhooks()
    const contact = await Contact.query().firstOrFail()
    assert.isNull(contact.waId)
    assert.equal(contact.bsuid, 'US.13491208655302741918')
  })

  test('coexistence: a reply sent from the Business app on the phone joins the chat as outbound, once', async ({
    assert,
  }) => {
    await fake.deliver(
      fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
        from: '593991112233',
        name: 'Rosa',
        message: { type: 'text', text: { body: '¿Tienen turno hoy?' } },
      }).payload
    )
    await drainWebhooks()
    const before = await Conversation.query().firstOrFail()
    assert.equal(before.pendingCount, 1)

    const { id, payload } = fake.businessAppEcho(FIXTURE_NUMBER.phoneNumberId, {
      to: '593991112233',
      message: { type: 'text', text: { body: 'Sí, a las 15:00 🙂' } },
    })
    assert.equal((await fake.deliver(payload)).status, 200)
    assert.equal((await fake.deliver(payload)).status, 200)
    await drainWebhooks()

    const echoed = await Message.query().where('external_id', id).firstOrFail()
    assert.equal(echoed.direction, 'out')
    assert.equal(echoed.status, 'sent')
    assert.equal(echoed.body, 'Sí, a las 15:00 🙂')
    assert.equal(echoed.conversationId, before.id)
    assert.isNull(echoed.authorUserId)
    assert.isTrue(echoed.metadata.businessAppEcho)
    assert.isTrue(echoed.metadata.sentOutsideChasqui)
    assert.lengthOf(await Message.query().where('external_id', id), 1)
    const after = await Conversation.findOrFail(before.id)
    assert.equal(after.pendingCount, 0)
    assert.lengthOf(await Contact.all(), 1)

    // Later receipts for that wamid move it like any message the business sent.
    await fake.deliver(fake.statusPayload(FIXTURE_NUMBER.phoneNumberId, id, 'read'))
    await drainWebhooks()
    assert.equal((await Message.findOrFail(echoed.id)).status, 'read')
  })

  test('an unknown phone number id is ignored, the body still acknowledged', async ({ assert }) => {
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'text', text: { body: 'otro número' } },
    })
    ;(payload.entry[0].changes[0].value as any).metadata.phone_number_id = '999999999999'
    const answer = await fake.deliver(payload, { appSecret: FIXTURE_NUMBER.appSecret })
    assert.equal(answer.status, 200)
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 0)
  })

  test('a failure while processing is retried; the webhook was acknowledged at once', async ({
    assert,
  }) => {
    // The media download fails the first time (the fake lost the file), then works.
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: '593991112233',
      message: { type: 'image', image: { id: '555000', mime_type: 'image/jpeg', sha256: 'x' } },
    })
    assert.equal((await fake.deliver(payload)).status, 200)
    const { default: inbox } = await import('#plugins/meta_cloud/webhook/webhook_inbox')
    await inbox.runOnce()
    let row = await db.from('meta_cloud_webhooks').firstOrFail()
    for (let i = 0; i < 100 && !row.last_error; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      row = await db.from('meta_cloud_webhooks').firstOrFail()
    }
    assert.equal(row.state, 'pending')
    assert.equal(row.attempts, 1)
    assert.isString(row.last_error)
    assert.lengthOf(await Message.all(), 0)

    fake.storeMedia(FIXTURE_NUMBER.phoneNumberId, Buffer.from('jpeg'), 'image/jpeg', null, '555000')
    await db.from('meta_cloud_webhooks').update({ next_attempt_at: new Date(Date.now() - 1000) })
    await drainWebhooks()
    const [message] = await Message.all()
    assert.equal(message.kind, 'image')
    assert.isString(message.mediaPath)
  })

  test('the webhook answers while the database is busy processing: no processing in the request', async ({
    assert,
  }) => {
    const { default: inbox } = await import('#plugins/meta_cloud/webhook/webhook_inbox')
    await inbox.stop()
    try {
      const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
        from: '593991112233',
        message: { type: 'text', text: { body: 'durable' } },
      })
      assert.equal((await fake.deliver(payload)).status, 200)
      // Stored, not yet processed: a crash here loses nothing.
      assert.lengthOf(await Message.all(), 0)
      const row = await db.from('meta_cloud_webhooks').firstOrFail()
      assert.equal(row.state, 'pending')
    } finally {
      inbox.start()
    }
    await drainWebhooks()
    assert.lengthOf(await Message.all(), 1)
  })
})
