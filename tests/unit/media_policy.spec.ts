import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import app from '@adonisjs/core/services/app'
import mediaPolicy, { MediaRefusedException, containsLink } from '#services/media_policy'
import { contentDisposition } from '#services/content_disposition'

const fixture = (name: string) => app.makePath('tests/fixtures/media', name)

async function refusal(source: Buffer | string) {
  const error = await mediaPolicy.refusal(source)
  return error ? { reason: error.reason, key: error.translationKey, data: error.data } : null
}

test.group('MediaPolicy (R-MSG-2)', () => {
  test('accepts images, PDF and audio by their bytes', async ({ assert }) => {
    assert.deepEqual(await mediaPolicy.check(fixture('tiny.png')), {
      kind: 'image',
      mime: 'image/png',
      ext: 'png',
      size: 74,
    })
    assert.include(await mediaPolicy.check(fixture('tiny.pdf')), {
      kind: 'document',
      mime: 'application/pdf',
    })
    assert.include(await mediaPolicy.check(fixture('voice.ogg')), {
      kind: 'audio',
      mime: 'audio/ogg; codecs=opus',
      ext: 'ogg',
    })
    // Browser voice notes: WebM/Opus (Chrome) and MP4/AAC (Safari) with no video track.
    assert.include(await mediaPolicy.check(fixture('voice.webm')), {
      kind: 'audio',
      mime: 'audio/webm',
    })
    assert.include(await mediaPolicy.check(fixture('voice.m4a')), {
      kind: 'audio',
      mime: 'audio/mp4',
    })
    // A Buffer works the same as a path.
    assert.equal((await mediaPolicy.check(await readFile(fixture('tiny.png')))).kind, 'image')
  })

  test('refuses videos, even renamed', async ({ assert }) => {
    for (const name of ['clip.mp4', 'clip.webm', 'clip_named.jpg']) {
      assert.deepEqual(await refusal(fixture(name)), {
        reason: 'video_refused',
        key: 'media.errors.video_refused',
        data: {},
      })
    }
  })

  test('refuses unknown and empty content; trusts bytes over names', async ({ assert }) => {
    assert.equal((await refusal(fixture('notes.txt')))?.reason, 'type_refused')
    assert.equal(
      (await refusal(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')))?.reason,
      'type_refused'
    )
    assert.equal((await refusal(Buffer.alloc(0)))?.reason, 'empty')
    // A PDF named .jpg is a document, not an image.
    assert.equal((await mediaPolicy.check(fixture('pdf_named.jpg'))).kind, 'document')
  })

  test('applies per-kind size limits', async ({ assert }) => {
    const png = await readFile(fixture('tiny.png'))
    const bigImage = Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)])
    assert.deepEqual(await refusal(bigImage), {
      reason: 'too_large',
      key: 'media.errors.too_large',
      data: { max: 5 },
    })
    // The same size is fine for a PDF (16 MB), not beyond.
    const pdf = await readFile(fixture('tiny.pdf'))
    assert.isNull(await refusal(Buffer.concat([pdf, Buffer.alloc(5 * 1024 * 1024)])))
    assert.deepEqual((await refusal(Buffer.concat([pdf, Buffer.alloc(16 * 1024 * 1024)])))?.data, {
      max: 16,
    })
  })

  test('refusals are translated rule violations', async ({ assert }) => {
    const i18n = (await import('@adonisjs/i18n/services/main')).default
    const error = await mediaPolicy.refusal(fixture('clip.mp4'))
    assert.instanceOf(error, MediaRefusedException)
    assert.equal(
      error!.translate((key, data) => i18n.locale('es').t(key, data)),
      'Los videos no están permitidos'
    )
    const big = await mediaPolicy.refusal(
      Buffer.concat([await readFile(fixture('tiny.png')), Buffer.alloc(6 * 1024 * 1024)])
    )
    assert.equal(
      big!.translate((key, data) => i18n.locale('es').t(key, data)),
      'El archivo supera el límite de 5 MB'
    )
    assert.equal(
      big!.translate((key, data) => i18n.locale('en').t(key, data)),
      'The file exceeds the 5 MB limit'
    )
  })

  test('containsLink and Content-Disposition helpers', ({ assert }) => {
    assert.isTrue(containsLink('mira https://example.com'))
    assert.isTrue(containsLink('entra a www.banco.ec'))
    assert.isFalse(containsLink('pago de $20.50 hoy'))
    assert.isFalse(containsLink(null))
    assert.equal(contentDisposition('inline', null), 'inline')
    assert.equal(
      contentDisposition('attachment', 'Estado de cuenta "José".pdf'),
      `attachment; filename="Estado de cuenta _Jos__.pdf"; filename*=UTF-8''Estado%20de%20cuenta%20%22Jos%C3%A9%22.pdf`
    )
  })
})
