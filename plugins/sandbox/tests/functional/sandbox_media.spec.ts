import { test } from '@japa/runner'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import outbound from '#channels/outbound_service'
import Message from '#models/message'
import mediaStore from '#services/media_store'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone from '#plugins/sandbox/sandbox_phone'
import drivers from '#plugins/sandbox/sandbox_driver'
import { runAce, waitFor } from '#plugins/sandbox/tests/helpers/sandbox_test_helpers'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Media on the sandbox channel: the customer phone sends image / PDF / audio
| through ctx.ports.media + ingest, the driver delivers the agents' media
| replies to the phone, the phone serves its files only to sandbox users,
| and `sandbox:message --file`.
*/

const fixture = (name: string) => app.makePath('tests/fixtures/media', name)

async function phoneWithCustomer() {
  await pluginHost.enable('sandbox', null)
  const connection = await sandboxContext().ports.channels.createConnection({ name: 'Demo' })
  const customer = await phone.customerFor(connection.id, { name: 'Ana', phone: '+593991112233' })
  return { connection, customer }
}

test.group('Sandbox / media', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    const root = await mkdtemp(join(tmpdir(), 'chasqui-media-'))
    mediaStore.useRoot(root)
    return async () => {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  })

  test('the customer sends an image with a caption, a PDF and an audio from the phone page', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await phoneWithCustomer()
    const url = `/sandbox/connections/${connection.id}/phone/messages`
    for (const [file, text] of [
      ['tiny.png', 'Mi comprobante'],
      ['tiny.pdf', ''],
      ['voice.ogg', ''],
    ]) {
      const response = await client
        .post(url)
        .withCsrfToken()
        .field('customer', String(customer.id))
        .field('text', text)
        .file('file', fixture(file))
        .loginAs(admin)
        .redirects(0)
      response.assertStatus(302)
    }
    const messages = await Message.query().where('connection_id', connection.id).orderBy('id')
    assert.deepEqual(
      messages.map((m) => [m.kind, m.body, m.mediaMime, m.mediaFilename]),
      [
        ['image', 'Mi comprobante', 'image/png', 'tiny.png'],
        ['document', null, 'application/pdf', 'tiny.pdf'],
        ['audio', null, 'audio/ogg; codecs=opus', 'voice.ogg'],
      ]
    )
    for (const message of messages) assert.isTrue(await mediaStore.exists(message.mediaPath!))

    const thread = await client
      .get(`/sandbox/connections/${connection.id}/phone/thread?customer=${customer.id}`)
      .loginAs(admin)
    const rows = await db.from('sandbox_messages').orderBy('id')
    assert.include(
      thread.text(),
      `<img src="/sandbox/connections/${connection.id}/phone/media/${rows[0].id}"`
    )
    assert.include(thread.text(), 'Mi comprobante')
    assert.include(thread.text(), '📄 tiny.pdf')
    assert.include(thread.text(), `<audio class="sandbox-thread__audio" controls`)

    // The agent sees the same file through the inbox's authorized media route.
    const served = await client.get(`/media/messages/${messages[0].id}`).loginAs(admin)
    served.assertStatus(200)
    served.assertHeader('content-type', 'image/png')
  })

  test('a video or an empty message is refused on the phone with a translated message; nothing arrives', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await phoneWithCustomer()
    const url = `/sandbox/connections/${connection.id}/phone/messages`
    const back = `/sandbox/connections/${connection.id}/phone?customer=${customer.id}`
    const video = await client
      .post(url)
      .withCsrfToken()
      .field('customer', String(customer.id))
      .field('text', 'Mire el video')
      .file('file', fixture('clip.mp4'))
      .loginAs(admin)
      .redirects(0)
    video.assertStatus(302)
    video.assertHeader('location', back)
    video.assertFlashMessage('error', 'Los videos no están permitidos')
    video.assertFlashMessage('text', 'Mire el video')

    const empty = await client
      .post(url)
      .withCsrfToken()
      .form({ customer: String(customer.id), text: '' })
      .loginAs(admin)
      .redirects(0)
    empty.assertFlashMessage('error', 'Escriba un mensaje o adjunte un archivo.')
    assert.lengthOf(await Message.query().where('connection_id', connection.id), 0)
    assert.lengthOf(await db.from('sandbox_messages'), 0)
  })

  test("the agent's image, document and voice note reach the phone with their files", async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await phoneWithCustomer()
    assert.includeMembers(drivers.for(connection.id).capabilities.mediaKinds, [
      'text',
      'image',
      'document',
      'audio',
      'voice',
    ])
    const { conversationId } = await phone.customerSays(connection.id, customer, 'Hola')
    const sent = []
    for (const [file, kind, mime, ext] of [
      ['tiny.png', 'image', 'image/png', 'png'],
      ['tiny.pdf', 'document', 'application/pdf', 'pdf'],
      ['voice.webm', 'voice', 'audio/webm', 'webm'],
    ] as const) {
      const stored = await mediaStore.put(fixture(file), { mime, ext, filename: file })
      const { message } = await outbound.submit({
        conversationId,
        authorUserId: admin.id,
        clientId: `media-${kind}`,
        kind,
        body: kind === 'image' ? 'Su recibo' : null,
        media: stored,
      })
      sent.push(message)
    }
    for (const message of sent) {
      await waitFor(async () => (await Message.findOrFail(message.id)).status !== 'queued')
    }
    const rows = await db.from('sandbox_messages').where('direction', 'out').orderBy('id')
    assert.deepEqual(
      rows.map((r) => [r.kind, r.body, r.media_mime, r.media_filename]),
      [
        ['image', 'Su recibo', 'image/png', 'tiny.png'],
        ['document', null, 'application/pdf', 'tiny.pdf'],
        ['voice', null, 'audio/webm', 'voice.webm'],
      ]
    )
    const image = await client
      .get(`/sandbox/connections/${connection.id}/phone/media/${rows[0].id}`)
      .loginAs(admin)
    image.assertStatus(200)
    image.assertHeader('content-type', 'image/png')
    const pdf = await client
      .get(`/sandbox/connections/${connection.id}/phone/media/${rows[1].id}`)
      .loginAs(admin)
    assert.match(pdf.header('content-disposition') ?? '', /^attachment; filename="tiny.pdf"/)
  })

  test('phone files: sandbox users only, only of this connection; guests go to /login', async ({
    client,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await phoneWithCustomer()
    const other = await sandboxContext().ports.channels.createConnection({ name: 'Otra' })
    const media = await sandboxContext().ports.media.accept(fixture('tiny.png'))
    await phone.customerSends(connection.id, customer, { media })
    const [row] = await db.from('sandbox_messages')
    const url = `/sandbox/connections/${connection.id}/phone/media/${row.id}`
    ;(await client.get(url).loginAs(admin)).assertStatus(200)
    for (const role of ['supervisor', 'agent'] as const) {
      ;(await client.get(url).loginAs(await createUser(role))).assertStatus(403)
    }
    const guest = await client.get(url).redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
    ;(
      await client.get(`/sandbox/connections/${other.id}/phone/media/${row.id}`).loginAs(admin)
    ).assertStatus(404)
  })

  test('sandbox:message --file sends a file with the text as caption; a video is refused', async ({
    assert,
  }) => {
    await createUser('admin')
    const { connection } = await phoneWithCustomer()
    const argv = ['--connection', String(connection.id), '--phone', '+593 99 765 4321']
    const ok = await runAce('sandbox:message', [
      ...argv,
      '--file',
      fixture('tiny.pdf'),
      '--text',
      'Mi contrato',
    ])
    assert.equal(ok.exitCode, 0)
    const [message] = await Message.query().where('connection_id', connection.id)
    assert.include(message.$attributes, {
      kind: 'document',
      body: 'Mi contrato',
      mediaMime: 'application/pdf',
      mediaFilename: 'tiny.pdf',
    })

    const refused = await runAce('sandbox:message', [...argv, '--file', fixture('clip.mp4')])
    assert.equal(refused.exitCode, 1)
    assert.isTrue(refused.logs.some((line) => line.includes('Los videos no están permitidos')))
    const nothing = await runAce('sandbox:message', argv)
    assert.equal(nothing.exitCode, 1)
    assert.lengthOf(await Message.query().where('connection_id', connection.id), 1)
  })
})
