import { test } from '@japa/runner'
import type { Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/*
| The inbox in real Chromium: composing over htmx with the browser's client
| id, the draft kept across a reload, links refused, and live updates
| (a customer message and a delivery status) arriving without a reload.
*/

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

async function assignedChat(agentId: number) {
  const connection = await createConnection()
  const { conversationId } = await receive(connection, {
    waId: '593991112233',
    name: 'María Cliente',
    body: 'Hola, necesito ayuda',
  })
  await db
    .from('conversations')
    .where('id', conversationId)
    .update({ assigned_user_id: agentId, state: 'pending' })
  return { connection, conversationId }
}

test.group('Browser: inbox', (group) => {
  group.each.setup(() => resetDatabase())

  test('an agent sends a reply, sees its tick move, and a customer message arrives live', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const { connection, conversationId } = await assignedChat(agent.id)
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto(`/inbox/conversations/${conversationId}`)
    await listening(page, `conversations/${conversationId}`)
    await page.evaluate('window.__sameDocument = true')
    assert.include(await page.locator('#timeline').innerText(), 'Hola, necesito ayuda')

    const clientId = await page.locator('#composer input[name=clientId]').inputValue()
    assert.match(clientId, /^[0-9a-f-]{36}$/)
    await page.locator('#composer textarea').fill('Buenos días, ¿en qué le ayudo?')
    await page.getByRole('button', { name: 'Enviar' }).click()
    const sent = page.locator('#timeline .message--out', {
      hasText: 'Buenos días, ¿en qué le ayudo?',
    })
    await sent.waitFor()
    assert.equal(await sent.locator('.tick').getAttribute('data-status'), 'queued')
    assert.equal(await page.locator('#composer textarea').inputValue(), '')
    assert.notEqual(await page.locator('#composer input[name=clientId]').inputValue(), clientId)
    const stored = await db
      .from('messages')
      .where('body', 'Buenos días, ¿en qué le ayudo?')
      .firstOrFail()
    assert.equal(stored.client_id, clientId)

    // The provider reports delivery: the tick moves without a reload.
    await db
      .from('messages')
      .where('id', stored.id)
      .update({ external_id: 'wamid.out-1', status: 'sent' })
    await ingest.status(connection.id, {
      externalId: 'wamid.out-1',
      status: 'delivered',
      at: new Date(),
    })
    await page.locator(`#message-${stored.id} .tick[data-status=delivered]`).waitFor()

    // The customer writes again: it appears live.
    await receive(connection, { waId: '593991112233', body: '¿Tienen horario el sábado?' })
    await page
      .locator('#timeline .message--in', { hasText: '¿Tienen horario el sábado?' })
      .waitFor()
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')
  })

  test('the typed text survives a reload and a refused link; a note is shown apart', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await assignedChat(agent.id)
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto(`/inbox/conversations/${conversationId}`)
    await page.locator('#composer textarea').fill('Mire www.ejemplo.com')
    await page.reload()
    assert.equal(await page.locator('#composer textarea').inputValue(), 'Mire www.ejemplo.com')

    await page.getByRole('button', { name: 'Enviar' }).click()
    await page
      .locator('#composer .composer__error', { hasText: 'No se permiten enlaces' })
      .waitFor()
    assert.equal(await page.locator('#composer textarea').inputValue(), 'Mire www.ejemplo.com')
    assert.lengthOf(await db.from('messages').where('direction', 'out'), 0)

    await page.locator('#composer textarea').fill('Cliente pidió llamada')
    await page.getByLabel('Nota privada').check()
    await page.getByRole('button', { name: 'Enviar' }).click()
    await page.locator('#timeline .message--note', { hasText: 'Cliente pidió llamada' }).waitFor()
    await page.reload()
    assert.equal(await page.locator('#composer textarea').inputValue(), '')
  })

  test('a customer edits a message, then deletes it: the bubble follows live, the list too', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, conversationId } = await assignedChat(agent.id)
    const { externalId } = await db
      .from('messages')
      .where('conversation_id', conversationId)
      .select('external_id as externalId')
      .firstOrFail()
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto(`/inbox/conversations/${conversationId}`)
    await listening(page, `conversations/${conversationId}`)
    await page.evaluate('window.__sameDocument = true')

    await ingest.revision(connection.id, {
      externalId,
      body: 'Hola, ya lo resolví',
      at: new Date(),
    })
    const bubble = page.locator('#timeline .message--in', { hasText: 'Hola, ya lo resolví' })
    await bubble.locator('[data-test=edited]').waitFor()
    await bubble.locator('[data-test=edited] summary').click()
    assert.include(await bubble.innerText(), 'Hola, necesito ayuda')
    await page
      .locator('.inbox__list', { hasText: 'Hola, ya lo resolví' })
      .waitFor({ timeout: 10_000 })

    await ingest.revision(connection.id, { externalId, revoked: true, at: new Date() })
    await page.locator('#timeline .message--revoked [data-test=revoked]').waitFor()
    // The list stops showing the deleted newest message's text, live too.
    await page
      .locator('.inbox__list', { hasText: 'Mensaje eliminado' })
      .waitFor({ timeout: 10_000 })
    assert.notInclude(await page.locator('.inbox__list').innerText(), 'Hola, ya lo resolví')
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')
  })

  test('phone width: the list, then the conversation alone, then back', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    await assignedChat(agent.id)
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.setViewportSize({ width: 390, height: 800 })
    await page.goto('/inbox')
    assert.isTrue(await page.locator('.inbox__list').isVisible())
    await page.getByText('María Cliente').click()
    await page.locator('.conversation__header').waitFor()
    assert.isFalse(await page.locator('.inbox__list').isVisible())
    await page.locator('.conversation__back').click()
    await page.locator('.inbox__list').waitFor()
    assert.isTrue(await page.locator('.inbox__list').isVisible())
  })
})
