import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import mediaStore from '#services/media_store'
import mediaUploads from '#services/media_uploads'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

const fixture = (name: string) => app.makePath('tests/fixtures/media', name)
let phone = 593992000000

/** Every file under the media root (temp files included). */
async function filesOnDisk(): Promise<string[]> {
  try {
    return (await readdir(mediaStore.root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
  } catch {
    return []
  }
}

/** A customer message carrying `file`, in a chat assigned to `agent` (if given). */
async function mediaMessage(
  file: string,
  meta: { mime: string; ext: string; filename: string },
  agent?: User
) {
  const connection = await createConnection()
  phone += 1
  const result = await receive(connection, { waId: String(phone), name: `Cliente ${phone}` })
  const stored = await mediaStore.put(file.startsWith('/') ? file : fixture(file), meta)
  await db
    .from('messages')
    .where('id', result.messageId!)
    .update({
      kind: meta.mime.startsWith('image/') ? 'image' : 'document',
      media_path: stored.path,
      media_mime: stored.mime,
      media_size: stored.size,
      media_filename: stored.filename,
      media_sha256: stored.sha256,
    })
  if (agent) {
    await db
      .from('conversations')
      .where('id', result.conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })
  }
  return result.messageId!
}

test.group('Media: uploads', (group) => {
  let root: string
  group.each.setup(async () => {
    await resetDatabase()
    root = await mkdtemp(join(tmpdir(), 'chasqui-media-'))
    mediaStore.useRoot(root)
    return async () => {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  })

  test('an agent uploads an image, a PDF and a voice note', async ({ client, assert }) => {
    const agent = await createUser('agent')
    for (const [name, kind, mime] of [
      ['tiny.png', 'image', 'image/png'],
      ['tiny.pdf', 'document', 'application/pdf'],
      ['voice.ogg', 'audio', 'audio/ogg; codecs=opus'],
      ['voice.webm', 'audio', 'audio/webm'],
    ]) {
      const response = await client
        .post('/media/uploads')
        .file('file', fixture(name))
        .loginAs(agent)
        .withCsrfToken()
      response.assertStatus(201)
      const body = response.body()
      assert.include(body, { kind, mime, filename: name })
      assert.match(body.token, /^[\w-]{32}$/)
      const row = await db.from('media_uploads').where('token', body.token).firstOrFail()
      assert.equal(row.user_id, agent.id)
      assert.isTrue(await mediaStore.exists(row.path))
      assert.match(row.path, new RegExp(`^\\d{4}/\\d{2}/${row.sha256}\\.\\w+$`))
    }
    assert.lengthOf(await filesOnDisk(), 4)
  })

  test('the same bytes are stored once (content-addressed)', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const first = await client
      .post('/media/uploads')
      .file('file', fixture('tiny.png'))
      .loginAs(agent)
      .withCsrfToken()
    const second = await client
      .post('/media/uploads')
      .file('file', fixture('tiny.png'), { filename: 'otra.png' })
      .loginAs(agent)
      .withCsrfToken()
    first.assertStatus(201)
    second.assertStatus(201)
    assert.notEqual(first.body().token, second.body().token)
    const rows = await db.from('media_uploads').orderBy('id')
    assert.lengthOf(rows, 2)
    assert.equal(rows[0].path, rows[1].path)
    assert.lengthOf(await filesOnDisk(), 1)
  })

  test('videos are refused, even renamed: translated, nothing stored', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    for (const name of ['clip.mp4', 'clip.webm', 'clip_named.jpg']) {
      const response = await client
        .post('/media/uploads')
        .file('file', fixture(name), { contentType: 'image/jpeg' })
        .loginAs(agent)
        .withCsrfToken()
      response.assertStatus(422)
      response.assertBody({ code: 'video_refused', error: 'Los videos no están permitidos' })
    }
    assert.lengthOf(await db.from('media_uploads'), 0)
    assert.lengthOf(await filesOnDisk(), 0)
  })

  test('wrong types and oversize files are refused', async ({ client, assert }) => {
    const agent = await createUser('agent', { locale: 'en' })
    const text = await client
      .post('/media/uploads')
      .file('file', fixture('notes.txt'), { filename: 'foto.jpg', contentType: 'image/jpeg' })
      .loginAs(agent)
      .withCsrfToken()
    text.assertStatus(422)
    assert.equal(text.body().code, 'type_refused')

    const png = await (await import('node:fs/promises')).readFile(fixture('tiny.png'))
    const big = await client
      .post('/media/uploads')
      .file('file', Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024 + 1)]), {
        filename: 'big.png',
      })
      .loginAs(agent)
      .withCsrfToken()
    big.assertStatus(422)
    assert.equal(big.body().code, 'too_large')
    assert.include(big.body().error, '5 MB')

    const none = await client.post('/media/uploads').loginAs(agent).withCsrfToken()
    none.assertStatus(422)
    assert.equal(none.body().code, 'missing_file')
    assert.lengthOf(await db.from('media_uploads'), 0)
    assert.lengthOf(await filesOnDisk(), 0)
  })

  test('a PDF named .jpg is kept as a PDF', async ({ client }) => {
    const agent = await createUser('agent')
    const response = await client
      .post('/media/uploads')
      .file('file', fixture('pdf_named.jpg'))
      .loginAs(agent)
      .withCsrfToken()
    response.assertStatus(201)
    response.assertBodyContains({ kind: 'document', mime: 'application/pdf' })
  })

  test('guests go to /login; roles without chats.reply are refused', async ({ client, assert }) => {
    await createUser('agent')
    const guest = await client
      .post('/media/uploads')
      .file('file', fixture('tiny.png'))
      .withCsrfToken()
      .redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
    const { createCustomRole } = await import('#tests/helpers/roles')
    await createCustomRole('auditor', ['audit.view'])
    const auditor = await createUser('auditor')
    const refused = await client
      .post('/media/uploads')
      .file('file', fixture('tiny.png'))
      .loginAs(auditor)
      .withCsrfToken()
    refused.assertStatus(403)
    assert.lengthOf(await filesOnDisk(), 0)
  })

  test('an upload token is claimed once, by its owner, before it expires', async ({ assert }) => {
    const owner = await createUser('agent')
    const other = await createUser('agent')
    const receipt = await mediaUploads.create(owner.id, fixture('tiny.png'), 'foto.png')
    assert.isNull(await mediaUploads.claim(receipt.token, other.id))
    const claimed = await mediaUploads.claim(receipt.token, owner.id)
    assert.include(claimed!.media, { mime: 'image/png', size: 74, filename: 'foto.png' })
    assert.equal(claimed!.kind, 'image')
    assert.isNull(await mediaUploads.claim(receipt.token, owner.id))

    const late = await mediaUploads.create(owner.id, fixture('tiny.pdf'))
    await db
      .from('media_uploads')
      .where('token', late.token)
      .update({ expires_at: new Date(0) })
    assert.isNull(await mediaUploads.claim(late.token, owner.id))
    assert.equal(await mediaUploads.prune(), 1)
  })
})

test.group('Media: serving message files', (group) => {
  let root: string
  group.each.setup(async () => {
    await resetDatabase()
    root = await mkdtemp(join(tmpdir(), 'chasqui-media-'))
    mediaStore.useRoot(root)
    return async () => {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  })

  test('the assigned agent gets the image inline, with safe headers', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const id = await mediaMessage(
      'tiny.png',
      { mime: 'image/png', ext: 'png', filename: 'foto.png' },
      agent
    )
    const response = await client.get(`/media/messages/${id}`).loginAs(agent)
    response.assertStatus(200)
    response.assertHeader('content-type', 'image/png')
    response.assertHeader('x-content-type-options', 'nosniff')
    assert.match(response.header('content-disposition') ?? '', /^inline; filename="foto.png"/)
    assert.equal(response.header('content-length'), '74')
  })

  test('the timeline gets a small WebP of a picture, made once; the original stays whole', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const other = await createUser('agent')
    const big = join(root, 'foto-grande.jpg')
    await sharp({
      create: { width: 2400, height: 1600, channels: 3, background: { r: 180, g: 40, b: 60 } },
    })
      .jpeg({ quality: 95 })
      .toFile(big)
    const id = await mediaMessage(
      big,
      { mime: 'image/jpeg', ext: 'jpg', filename: 'foto.jpg' },
      agent
    )
    const original = await client.get(`/media/messages/${id}`).loginAs(agent)
    original.assertHeader('content-type', 'image/jpeg')
    const thumb = await client.get(`/media/messages/${id}?size=thumb`).loginAs(agent)
    thumb.assertStatus(200)
    thumb.assertHeader('content-type', 'image/webp')
    thumb.assertHeader('x-content-type-options', 'nosniff')
    const bytes = thumb.body() as Buffer
    const { width, height, format } = await sharp(bytes).metadata()
    assert.equal(format, 'webp')
    assert.equal(width, 640)
    assert.equal(height, 427)
    assert.isBelow(bytes.length, Number(original.header('content-length')))
    const made = (await filesOnDisk()).filter((file) => file.includes(`${join('thumbnails', '')}`))
    assert.lengthOf(made, 1)
    const again = await client.get(`/media/messages/${id}?size=thumb`).loginAs(agent)
    assert.deepEqual(again.body() as Buffer, bytes)
    ;(await client.get(`/media/messages/${id}?size=thumb`).loginAs(other)).assertStatus(404)
  })

  test('no small copy of a PDF or of a picture the decoder refuses: the original is served', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const pdf = await mediaMessage(
      'tiny.pdf',
      { mime: 'application/pdf', ext: 'pdf', filename: 'estado.pdf' },
      agent
    )
    const asPdf = await client.get(`/media/messages/${pdf}?size=thumb`).loginAs(agent)
    asPdf.assertHeader('content-type', 'application/pdf')
    const broken = join(root, 'rota.png')
    await writeFile(
      broken,
      Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(64)])
    )
    const id = await mediaMessage(
      broken,
      { mime: 'image/png', ext: 'png', filename: 'rota.png' },
      agent
    )
    const answer = await client.get(`/media/messages/${id}?size=thumb`).loginAs(agent)
    answer.assertStatus(200)
    answer.assertHeader('content-type', 'image/png')
    assert.equal(answer.header('content-length'), '72')
    assert.isEmpty((await filesOnDisk()).filter((file) => file.includes('thumbnails')))
  })

  test('a PDF is an attachment with its original name, safely encoded', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const id = await mediaMessage(
      'tiny.pdf',
      { mime: 'application/pdf', ext: 'pdf', filename: 'Estado "año".pdf' },
      agent
    )
    const response = await client.get(`/media/messages/${id}`).loginAs(agent)
    response.assertStatus(200)
    response.assertHeader('content-type', 'application/pdf')
    assert.equal(
      response.header('content-disposition'),
      `attachment; filename="Estado a_o.pdf"; filename*=UTF-8''Estado%20a%C3%B1o.pdf`
    )
  })

  test('another agent gets 404; supervisors and admins see it; guests go to /login', async ({
    client,
  }) => {
    const owner = await createUser('agent')
    const other = await createUser('agent')
    const supervisor = await createUser('supervisor')
    const admin = await createUser('admin')
    const id = await mediaMessage(
      'tiny.png',
      { mime: 'image/png', ext: 'png', filename: 'foto.png' },
      owner
    )
    ;(await client.get(`/media/messages/${id}`).loginAs(other)).assertStatus(404)
    ;(await client.get(`/media/messages/${id}`).loginAs(supervisor)).assertStatus(200)
    ;(await client.get(`/media/messages/${id}`).loginAs(admin)).assertStatus(200)
    // A missing message looks the same as a forbidden one.
    ;(await client.get(`/media/messages/${id + 999}`).loginAs(other)).assertStatus(404)
    const guest = await client.get(`/media/messages/${id}`).redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })

  test('a message without media, or whose file is gone, is 404', async ({ client }) => {
    const agent = await createUser('agent')
    const connection = await createConnection()
    const plain = await receive(connection, { waId: '593993000001' })
    await db
      .from('conversations')
      .where('id', plain.conversationId)
      .update({ assigned_user_id: agent.id })
    ;(await client.get(`/media/messages/${plain.messageId}`).loginAs(agent)).assertStatus(404)

    const id = await mediaMessage(
      'tiny.png',
      { mime: 'image/png', ext: 'png', filename: 'foto.png' },
      agent
    )
    await rm(root, { recursive: true, force: true })
    ;(await client.get(`/media/messages/${id}`).loginAs(agent)).assertStatus(404)
  })
})
