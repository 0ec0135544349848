import { test } from '@japa/runner'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import Message from '#models/message'
import mediaStore from '#services/media_store'
import mediaUploads from '#services/media_uploads'
import channelCapabilities from '#services/channel_capabilities'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/*
| Media messages end to end on the server: a composer upload token claimed by
| a send (one use, owner only), the outbound media row, refusals that keep
| the text and the upload, and the timeline showing files inline through the
| authorized media route.
*/

const fixture = (name: string) => app.makePath('tests/fixtures/media', name)
let phone = 593993000000

async function chat(agent?: User | null) {
  const connection = await createConnection()
  phone += 1
  const result = await receive(connection, { waId: String(phone), name: `Cliente ${phone}` })
  if (agent) {
    await db
      .from('conversations')
      .where('id', result.conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })
  }
  return { connection, conversationId: result.conversationId }
}

function send(
  client: any,
  user: User,
  conversationId: number,
  form: Record<string, string>
): Promise<any> {
  return client
    .post(`/inbox/conversations/${conversationId}/messages`)
    .header('HX-Request', 'true')
    .form(form)
    .withCsrfToken()
    .loginAs(user)
}

async function outboundOf(conversationId: number) {
  return Message.query()
    .where('conversation_id', conversationId)
    .where('direction', 'out')
    .orderBy('id')
}

function withMediaRoot(group: any) {
  group.each.setup(async () => {
    await resetDatabase()
    const root = await mkdtemp(join(tmpdir(), 'chasqui-media-'))
    mediaStore.useRoot(root)
    return async () => {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  })
}

test.group('Media messages: sending from the composer', (group) => {
  withMediaRoot(group)

  test('an uploaded image goes out with its caption through the outbox', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat(agent)
    const upload = await client
      .post('/media/uploads')
      .file('file', fixture('tiny.png'), { filename: 'recibo.png' })
      .loginAs(agent)
      .withCsrfToken()
    upload.assertStatus(201)
    const { token } = upload.body()

    const response = await send(client, agent, conversationId, {
      body: 'Su comprobante',
      mediaToken: token,
      clientId: 'm-1',
    })
    response.assertStatus(200)
    response.assertHeader('hx-trigger', 'inbox:sent')
    assert.notInclude(response.text(), token, 'the composer comes back without the attachment')

    const [message] = await outboundOf(conversationId)
    assert.include(message.serialize(), { kind: 'image', body: 'Su comprobante', status: 'queued' })
    assert.include(message.$attributes, {
      mediaMime: 'image/png',
      mediaSize: 74,
      mediaFilename: 'recibo.png',
    })
    assert.isTrue(await mediaStore.exists(message.mediaPath!))
    assert.exists(await db.from('outbox').where('message_id', message.id).first())
    assert.lengthOf(await db.from('media_uploads'), 0, 'the token is spent')

    const timeline = await client
      .get(`/inbox/conversations/${conversationId}/messages`)
      .header('HX-Request', 'true')
      .loginAs(agent)
    assert.include(timeline.text(), `<img src="/media/messages/${message.id}?size=thumb"`)
    assert.include(timeline.text(), `href="/media/messages/${message.id}" target="_blank"`)
    assert.include(timeline.text(), 'Su comprobante')
  })

  test('a PDF and an audio file go out without a caption; a browser recording is a voice note', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat(agent)
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ['tiny.pdf', {}, 'document', 'application/pdf'],
      ['voice.m4a', {}, 'audio', 'audio/mp4'],
      ['voice.ogg', {}, 'audio', 'audio/ogg; codecs=opus'],
      ['voice.webm', { voice: '1' }, 'voice', 'audio/webm'],
      ['voice.ogg', { voice: '1' }, 'voice', 'audio/ogg; codecs=opus'],
      // An MP4 audio file is no browser voice recording: the hint changes nothing.
      ['voice.m4a', { voice: '1' }, 'audio', 'audio/mp4'],
    ]
    for (const [index, [file, fields, kind, mime]] of cases.entries()) {
      let request = client.post('/media/uploads').file('file', fixture(file))
      for (const [name, value] of Object.entries(fields)) request = request.field(name, value)
      const upload = await request.loginAs(agent).withCsrfToken()
      upload.assertStatus(201)
      assert.equal(upload.body().kind, kind, file)
      const response = await send(client, agent, conversationId, {
        mediaToken: upload.body().token,
        clientId: `k-${index}`,
      })
      response.assertStatus(200)
      const message = (await outboundOf(conversationId)).at(-1)!
      assert.equal(message.kind, kind)
      assert.equal(message.mediaMime, mime)
      assert.isNull(message.body)
    }
    const html = (
      await client
        .get(`/inbox/conversations/${conversationId}/messages`)
        .header('HX-Request', 'true')
        .loginAs(agent)
    ).text()
    assert.include(html, 'tiny.pdf')
    assert.match(
      html,
      /<a class="message__file" href="\/media\/messages\/\d+" download="tiny.pdf">/
    )
    assert.include(html, 'Documento · 1 KB')
    assert.match(
      html,
      /<audio id="message-audio-\d+" hx-preserve controls preload="metadata" src="\/media\/messages\/\d+"><\/audio>/
    )
    assert.include(html, '🎤 Nota de voz')
  })

  test("another user's token, an expired token and a spent token are refused; nothing is sent", async ({
    client,
    assert,
  }) => {
    const owner = await createUser('agent')
    const agent = await createUser('agent')
    const { conversationId } = await chat(agent)
    const theirs = await mediaUploads.create(owner.id, fixture('tiny.png'), 'ajena.png')
    const refusal = 'El archivo adjunto ya no está disponible. Adjúntalo de nuevo.'

    const stolen = await send(client, agent, conversationId, {
      body: 'Mire esto',
      mediaToken: theirs.token,
      clientId: 's-1',
    })
    stolen.assertStatus(422)
    assert.include(stolen.text(), refusal)
    assert.include(stolen.text(), 'Mire esto', 'the typed text is kept')
    assert.notInclude(stolen.text(), theirs.token)
    assert.exists(await db.from('media_uploads').where('token', theirs.token).first())

    const late = await mediaUploads.create(agent.id, fixture('tiny.png'))
    await db
      .from('media_uploads')
      .where('token', late.token)
      .update({ expires_at: new Date(Date.now() - 1000) })
    const expired = await send(client, agent, conversationId, {
      mediaToken: late.token,
      clientId: 's-2',
    })
    expired.assertStatus(422)
    assert.include(expired.text(), refusal)

    const once = await mediaUploads.create(agent.id, fixture('tiny.pdf'))
    assert.notExists(
      await db.from('media_uploads').where('token', late.token).first(),
      'expired uploads are swept by the next upload'
    )
    ;(
      await send(client, agent, conversationId, { mediaToken: once.token, clientId: 's-3' })
    ).assertStatus(200)
    // The same POST again (retried request): the first message, not an error, not a second one.
    ;(
      await send(client, agent, conversationId, { mediaToken: once.token, clientId: 's-3' })
    ).assertStatus(200)
    const again = await send(client, agent, conversationId, {
      mediaToken: once.token,
      clientId: 's-4',
    })
    again.assertStatus(422)
    assert.include(again.text(), refusal)

    const sent = await outboundOf(conversationId)
    assert.lengthOf(sent, 1)
    assert.equal(sent[0].kind, 'document')
    assert.lengthOf(await db.from('outbox'), 1)
  })

  test('a refused caption keeps both the text and the attachment for the next try', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat(agent)
    const upload = await mediaUploads.create(agent.id, fixture('tiny.png'))

    const linked = await send(client, agent, conversationId, {
      body: 'Vea www.banco.com',
      mediaToken: upload.token,
      clientId: 'c-1',
    })
    linked.assertStatus(422)
    assert.include(linked.text(), 'No se permiten enlaces en los mensajes.')
    assert.include(linked.text(), 'Vea www.banco.com')
    assert.include(linked.text(), `name="mediaToken" value="${upload.token}"`)

    const long = await send(client, agent, conversationId, {
      body: 'x'.repeat(1025),
      mediaToken: upload.token,
      clientId: 'c-1',
    })
    long.assertStatus(422)
    assert.include(long.text(), 'no puede tener más de 1024 caracteres')

    const note = await send(client, agent, conversationId, {
      body: 'Para el equipo',
      mode: 'note',
      mediaToken: upload.token,
      clientId: 'c-1',
    })
    note.assertStatus(422)
    assert.include(note.text(), 'Las notas privadas no llevan archivos.')
    assert.lengthOf(await outboundOf(conversationId), 0)

    ;(
      await send(client, agent, conversationId, {
        body: 'Su recibo',
        mediaToken: upload.token,
        clientId: 'c-1',
      })
    ).assertStatus(200)
    const [message] = await outboundOf(conversationId)
    assert.equal(message.kind, 'image')
    assert.equal(message.body, 'Su recibo')
  })

  test('media to a chat the agent may not see is 403 and the upload stays unspent', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const other = await createUser('agent')
    const { conversationId } = await chat(other)
    const upload = await mediaUploads.create(agent.id, fixture('tiny.png'))
    const response = await send(client, agent, conversationId, {
      mediaToken: upload.token,
      clientId: 'x-1',
    })
    response.assertStatus(403)
    assert.lengthOf(await outboundOf(conversationId), 0)
    assert.exists(await db.from('media_uploads').where('token', upload.token).first())
  })

  test('a kind the channel cannot send is refused before the outbox; the upload stays', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat(agent)
    const upload = await mediaUploads.create(agent.id, fixture('voice.webm'), null, { voice: true })
    // A running driver that sends text and images only (what ChannelDriver.capabilities declares).
    const original = channelCapabilities.mediaKindsOf
    channelCapabilities.mediaKindsOf = async () => ['text', 'image']
    try {
      const response = await send(client, agent, conversationId, {
        body: 'Escuche',
        mediaToken: upload.token,
        clientId: 'v-1',
      })
      response.assertStatus(422)
      assert.include(response.text(), 'Esta línea no puede enviar ese tipo de archivo.')
      assert.include(response.text(), 'Escuche')
    } finally {
      channelCapabilities.mediaKindsOf = original
    }
    assert.lengthOf(await outboundOf(conversationId), 0)
    assert.exists(await db.from('media_uploads').where('token', upload.token).first())
  })

  test('per role: supervisors and admins send media to any chat; guests go to /login', async ({
    client,
    assert,
  }) => {
    const { conversationId } = await chat(null)
    for (const role of ['supervisor', 'admin'] as const) {
      const user = await createUser(role)
      const upload = await mediaUploads.create(user.id, fixture('tiny.pdf'), `${role}.pdf`)
      ;(
        await send(client, user, conversationId, {
          mediaToken: upload.token,
          clientId: role,
        })
      ).assertStatus(200)
    }
    assert.deepEqual(
      (await outboundOf(conversationId)).map((m) => m.mediaFilename),
      ['supervisor.pdf', 'admin.pdf']
    )
    const guest = await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .form({ mediaToken: 'whatever' })
      .withCsrfToken()
      .redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })

  test('a video is refused at upload, in the user language, before any message exists', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent', { locale: 'en' })
    const response = await client
      .post('/media/uploads')
      .file('file', fixture('clip.webm'), { contentType: 'audio/webm' })
      .field('voice', '1')
      .loginAs(agent)
      .withCsrfToken()
    response.assertStatus(422)
    response.assertBody({ code: 'video_refused', error: 'Videos are not allowed' })
    assert.lengthOf(await db.from('media_uploads'), 0)
  })
})

test.group('Media messages: the timeline', (group) => {
  withMediaRoot(group)

  test('customer media shows inline; files not downloaded yet and unsupported kinds stay readable', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, conversationId } = await chat(agent)
    const contact = { waId: String(phone) }
    const stored = await mediaStore.put(fixture('voice.ogg'), {
      mime: 'audio/ogg; codecs=opus',
      ext: 'ogg',
    })
    await receive(connection, {
      ...contact,
      kind: 'voice',
      body: null,
      media: { path: stored.path, mime: stored.mime, size: stored.size, sha256: stored.sha256 },
    })
    await receive(connection, {
      ...contact,
      kind: 'document',
      body: null,
      media: { mime: 'application/pdf', filename: 'contrato.pdf', providerMediaId: 'm-1' },
    })
    await receive(connection, {
      ...contact,
      kind: 'unsupported',
      body: null,
      metadata: { unsupported: { type: 'poll' } },
    })
    await receive(connection, {
      ...contact,
      kind: 'image',
      body: '<script>alert(1)</script>',
      media: { path: stored.path, mime: 'image/png', filename: '"><img src=x onerror=alert(1)>' },
    })
    const html = (
      await client
        .get(`/inbox/conversations/${conversationId}/messages`)
        .header('HX-Request', 'true')
        .loginAs(agent)
    ).text()
    assert.match(
      html,
      /<audio id="message-audio-\d+" hx-preserve controls preload="metadata" src="\/media\/messages\/\d+">/
    )
    assert.include(html, 'contrato.pdf — El archivo todavía no está disponible.')
    assert.include(html, 'Mensaje no compatible: Este tipo de mensaje no se puede mostrar aquí.')
    assert.notInclude(html, '<script>alert(1)</script>')
    assert.notInclude(html, '<img src=x onerror')
  })
})

test.group('Media messages: byte ranges for players', (group) => {
  withMediaRoot(group)

  test('a file is served in byte ranges (206), a range past the end is 416', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection } = await chat(agent)
    const stored = await mediaStore.put(fixture('voice.ogg'), {
      mime: 'audio/ogg; codecs=opus',
      ext: 'ogg',
    })
    const { messageId } = await receive(connection, {
      waId: String(phone),
      kind: 'voice',
      body: null,
      media: { path: stored.path, mime: stored.mime, size: stored.size },
    })
    const url = `/media/messages/${messageId}`
    const whole = await client.get(url).loginAs(agent)
    whole.assertStatus(200)
    whole.assertHeader('accept-ranges', 'bytes')
    assert.equal(whole.header('content-length'), String(stored.size))

    const size = stored.size
    for (const [range, start, end] of [
      ['bytes=0-9', 0, 9],
      [`bytes=${size - 4}-`, size - 4, size - 1],
      ['bytes=-6', size - 6, size - 1],
      [`bytes=10-${size + 50}`, 10, size - 1],
    ] as const) {
      const part = await client.get(url).header('Range', range).loginAs(agent)
      part.assertStatus(206)
      part.assertHeader('content-range', `bytes ${start}-${end}/${size}`)
      assert.equal(part.header('content-length'), String(end - start + 1), range)
    }
    const past = await client.get(url).header('Range', `bytes=${size}-`).loginAs(agent)
    past.assertStatus(416)
    past.assertHeader('content-range', `bytes */${size}`)
    // Multiple ranges are not supported: the whole file.
    ;(await client.get(url).header('Range', 'bytes=0-1,4-5').loginAs(agent)).assertStatus(200)
    // A range never widens access: another agent still gets 404.
    const other = await createUser('agent')
    ;(await client.get(url).header('Range', 'bytes=0-9').loginAs(other)).assertStatus(404)
  })
})
