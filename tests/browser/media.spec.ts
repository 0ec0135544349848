import { test } from '@japa/runner'
import { sandboxChat } from '#plugins/sandbox/tests/helpers/sandbox_test_helpers'
import type { Page } from 'playwright'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import Message from '#models/message'
import mediaStore from '#services/media_store'
import phone from '#plugins/sandbox/sandbox_phone'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Media end to end in real Chromium: the customer writes on the sandbox
| phone, the agent sees it live, replies with an image; the phone shows the
| image and the ticks reach "read" on the agent's screen without a reload.
| Then the composer's refusals (video, wrong type) keep the text, and a voice
| note recorded with the browser's MediaRecorder (Chromium's fake microphone)
| goes out as kind `voice`.
*/

const baseURL = () => `http://${process.env.HOST}:${process.env.PORT}`
const fixture = (name: string) => app.makePath('tests/fixtures/media', name)

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

test.group('Browser: media', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    const root = await mkdtemp(join(tmpdir(), 'chasqui-media-'))
    mediaStore.useRoot(root)
    return async () => {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  })

  test('customer writes on the phone → agent replies with an image → the phone shows it → read ticks live', async ({
    browser,
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const admin = await createUser('admin')
    const { connection, customer, conversationId } = await sandboxChat(agent.id)

    await browserContext.loginAs(agent)
    const inbox = await browserContext.newPage()
    await inbox.goto(`/inbox/conversations/${conversationId}`)
    await listening(inbox, `conversations/${conversationId}`)
    await inbox.evaluate('window.__sameDocument = true')

    const phoneContext = await browser.newContext({ baseURL: baseURL() })
    try {
      await phoneContext.loginAs(admin)
      const phonePage = await phoneContext.newPage()
      const chatUrl = `/sandbox/connections/${connection.id}/phone?customer=${customer.id}`
      await phonePage.goto(chatUrl)
      await phonePage.locator('#sandbox-text').fill('¿Me envía mi estado de cuenta?')
      await phonePage.locator('.sandbox-phone__composer button[type=submit]').click()
      await phonePage
        .locator('[data-test=thread]', { hasText: '¿Me envía mi estado de cuenta?' })
        .waitFor()
      // The customer leaves the chat: what the agent sends now stays unread until it is opened.
      await phonePage.goto(`/sandbox/connections/${connection.id}/phone`)

      await inbox
        .locator('#timeline .message--in', { hasText: '¿Me envía mi estado de cuenta?' })
        .waitFor()

      await inbox.locator('#composer input[type=file]').setInputFiles(fixture('tiny.png'))
      await inbox.locator('#composer [data-test=attachment] .attachments__thumb').waitFor()
      await inbox.locator('#composer [data-test=attachment]', { hasText: 'tiny.png' }).waitFor()
      await inbox.locator('#composer textarea').fill('Aquí está su estado')
      // A reload keeps the typed caption and the uploaded file (not its in-page preview).
      await inbox.reload()
      await listening(inbox, `conversations/${conversationId}`)
      await inbox.evaluate('window.__sameDocument = true')
      await inbox.locator('#composer [data-test=attachment]', { hasText: 'tiny.png' }).waitFor()
      assert.equal(await inbox.locator('#composer textarea').inputValue(), 'Aquí está su estado')
      await inbox.getByRole('button', { name: 'Enviar', exact: true }).click()

      const sent = inbox.locator('#timeline .message--out.message--image', {
        hasText: 'Aquí está su estado',
      })
      await sent.waitFor()
      const message = await Message.query()
        .where('conversation_id', conversationId)
        .where('kind', 'image')
        .firstOrFail()
      assert.equal(
        await sent.locator('img').getAttribute('src'),
        `/media/messages/${message.id}?size=thumb`
      )
      assert.isTrue(
        await sent
          .locator('img')
          .evaluate((img: any) => img.decode().then(() => img.naturalWidth > 0)),
        'the thumbnail loads through the authorized route'
      )
      assert.equal(await inbox.locator('#composer textarea').inputValue(), '')
      await inbox.locator('#composer [data-test=attachment]').waitFor({ state: 'hidden' })

      await inbox.locator(`#message-${message.id} .tick[data-status=delivered]`).waitFor()

      // The customer opens the chat: the image is there, and reading it shows on the agent's screen.
      await phonePage.goto(chatUrl)
      const received = phonePage.locator('.sandbox-thread__message--out', {
        hasText: 'Aquí está su estado',
      })
      await received.locator('img').waitFor()
      assert.isTrue(
        await received
          .locator('img')
          .evaluate((img: any) => img.decode().then(() => img.naturalWidth > 0))
      )
      await inbox.locator(`#message-${message.id} .tick[data-status=read]`).waitFor()

      // With the chat open (and no audio playing) the phone's thread keeps polling: a new reply shows up.
      await inbox.locator('#composer textarea').fill('¿Algo más?')
      await inbox.getByRole('button', { name: 'Enviar', exact: true }).click()
      await phonePage.locator('.sandbox-thread__message--out', { hasText: '¿Algo más?' }).waitFor()
      assert.isTrue(await inbox.evaluate('window.__sameDocument === true'), 'no reload happened')
    } finally {
      await phoneContext.close()
    }
  })

  test('refused attachments keep the typed text; a voice note is recorded and sent', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, conversationId } = await sandboxChat(agent.id)
    await browserContext.loginAs(agent)
    await browserContext.grantPermissions(['microphone'])
    const page = await browserContext.newPage()
    // At a phone's width: the attachment tools are icons, still named for assistive tech.
    await page.setViewportSize({ width: 390, height: 800 })
    await page.goto(`/inbox/conversations/${conversationId}`)
    await page.locator('#composer textarea').fill('Le adjunto el detalle')
    const error = page.locator('#composer .attachments__error')

    await page.locator('#composer input[type=file]').setInputFiles(fixture('clip.mp4'))
    await error.filter({ hasText: 'Los videos no están permitidos' }).waitFor()
    await page.locator('#composer input[type=file]').setInputFiles({
      name: 'notas.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hola'),
    })
    await error.filter({ hasText: 'Tipo de archivo no permitido.' }).waitFor()
    assert.equal(await page.locator('#composer textarea').inputValue(), 'Le adjunto el detalle')
    assert.lengthOf(await db.from('media_uploads'), 0)

    // A file pasted into the composer is attached like a picked one.
    const pdf = (await readFile(fixture('tiny.pdf'))).toString('base64')
    await page.locator('#composer textarea').evaluate((textarea: any, base64: string) => {
      const web = globalThis as any
      const bytes = Uint8Array.from(web.atob(base64), (c: string) => c.charCodeAt(0))
      const data = new web.DataTransfer()
      data.items.add(new web.File([bytes], 'pegado.pdf', { type: 'application/pdf' }))
      textarea.dispatchEvent(
        new web.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
      )
    }, pdf)
    await page.locator('#composer [data-test=attachment]', { hasText: 'pegado.pdf' }).waitFor()

    // A refused caption: the server's new composer keeps the text and the attachment.
    await page.locator('#composer textarea').fill('Vea www.banco.com')
    await page.getByRole('button', { name: 'Enviar', exact: true }).click()
    await page
      .locator('#composer .composer__error', { hasText: 'No se permiten enlaces' })
      .waitFor()
    assert.equal(await page.locator('#composer textarea').inputValue(), 'Vea www.banco.com')
    await page.locator('#composer [data-test=attachment]', { hasText: 'pegado.pdf' }).waitFor()
    assert.lengthOf(await db.from('messages').where('direction', 'out'), 0)

    await page.getByRole('button', { name: 'Quitar adjunto' }).click()
    await page.locator('#composer [data-test=attachment]').waitFor({ state: 'hidden' })

    // A file dropped on the composer too.
    const png = (await readFile(fixture('tiny.png'))).toString('base64')
    await page.locator('#composer textarea').evaluate((textarea: any, base64: string) => {
      const web = globalThis as any
      const bytes = Uint8Array.from(web.atob(base64), (c: string) => c.charCodeAt(0))
      const data = new web.DataTransfer()
      data.items.add(new web.File([bytes], 'soltada.png', { type: 'image/png' }))
      textarea.dispatchEvent(
        new web.DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
      )
    }, png)
    await page.locator('#composer [data-test=attachment] .attachments__thumb').waitFor()
    await page.getByRole('button', { name: 'Quitar adjunto' }).click()
    await page.locator('#composer [data-test=attachment]').waitFor({ state: 'hidden' })
    await page.locator('#composer textarea').fill('Le adjunto el detalle')

    assert.isTrue(await page.evaluate('window.isSecureContext'))
    await page.getByRole('button', { name: 'Grabar nota de voz' }).click()
    await page.locator('#composer .attachments__recording').waitFor()
    await page.waitForTimeout(1200)
    await page.getByRole('button', { name: 'Detener y adjuntar' }).click()
    await page.locator('#composer [data-test=attachment] audio').waitFor()
    // Sent at once: a send while the recording is still uploading goes out when the upload is done.
    await page.getByRole('button', { name: 'Enviar', exact: true }).click()

    await page.locator('#timeline .message--out.message--voice audio').waitFor()
    // A timeline refetch (the customer writes) keeps the same player: nothing playing is cut off.
    // (Once the sandbox reported delivery: that status refetch is the last one of the send.)
    await page.locator('#timeline .message--voice .tick[data-status=delivered]').waitFor()
    const player = page.locator('#timeline .message--voice audio')
    await player.evaluate((audio: any) => {
      audio.__sameNode = true
    })
    const customer = (await phone.customers(connection.id))[0]
    await phone.customerSays(connection.id, customer, 'Gracias, lo escucho')
    await page.locator('#timeline .message--in', { hasText: 'Gracias, lo escucho' }).waitFor()
    assert.isTrue(await player.evaluate((audio: any) => audio.__sameNode === true))
    const voice = await Message.query()
      .where('conversation_id', conversationId)
      .where('kind', 'voice')
      .firstOrFail()
    assert.equal(voice.mediaMime, 'audio/webm')
    assert.equal(voice.body, 'Le adjunto el detalle')
    assert.isAbove(voice.mediaSize!, 500)
  })
})
