import { test } from '@japa/runner'
import type { Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import QuickReply from '#models/quick_reply'
import Tag from '#models/tag'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/*
| The chat screen's tools in real Chromium: the `/` quick reply list (filled
| for this chat, edited, sent), the emoji picker from the keyboard, and
| tagging a chat with the chat row following live.
*/

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

async function chatWithClient(agentId: number | null) {
  const connection = await createConnection()
  const { conversationId, contactId } = await receive(connection, {
    waId: '593991114455',
    name: 'María Cliente',
    body: '¿Cuánto debo?',
  })
  const [client] = await db
    .table('clients')
    .insert({
      holder_name: 'María Pérez',
      balance: '50',
      days_overdue: 7,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  await db.from('contacts').where('id', contactId).update({ client_id: client.id })
  if (agentId) {
    await db
      .from('conversations')
      .where('id', conversationId)
      .update({ assigned_user_id: agentId, state: 'pending' })
  }
  return conversationId
}

test.group('Browser: composer tools and tags', (group) => {
  group.each.setup(() => resetDatabase())

  test('typing / lists quick replies; the pick is filled, edited and sent; Escape keeps the text', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const conversationId = await chatWithClient(agent.id)
    await QuickReply.createMany([
      {
        shortcut: 'saldo',
        title: 'Saldo pendiente',
        body: 'Hola {{contact_name}}, soy {{agent_name}}. {{holder}} tiene un saldo de {{balance}} con {{days_overdue}} días de mora.',
        isActive: true,
      },
      { shortcut: 'saludo', title: 'Saludo', body: 'Buenos días', isActive: true },
      { shortcut: 'saldo_viejo', title: 'Viejo', body: 'no', isActive: false },
    ])
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto(`/inbox/conversations/${conversationId}`)
    const textarea = page.locator('#composer textarea')
    const list = page.locator('#composer [data-quick-reply-list]')

    // Escape closes the list and the typed text stays as it is.
    await textarea.click()
    await textarea.pressSequentially('/sal')
    await list.locator('[role=option]').first().waitFor()
    assert.equal(await list.locator('[role=option]').count(), 2)
    await page.keyboard.press('Escape')
    await list.waitFor({ state: 'hidden' })
    assert.equal(await textarea.inputValue(), '/sal')
    await textarea.fill('')

    // A `/` after a space, narrowed as the agent types, picked with the keyboard.
    await textarea.pressSequentially('Buenas tardes. /sald')
    await list.locator('[role=option]', { hasText: '/saldo' }).waitFor()
    assert.equal(await list.locator('[role=option]').count(), 1)
    assert.equal(await textarea.getAttribute('aria-expanded'), 'true')
    await page.keyboard.press('Enter')
    await list.waitFor({ state: 'hidden' })
    const filled =
      'Buenas tardes. Hola María Cliente, soy Pedro Agente. María Pérez tiene un saldo de $ 50,00 con 7 días de mora.'
    assert.equal(await textarea.inputValue(), filled)
    assert.lengthOf(await db.from('messages').where('direction', 'out'), 0, 'picking did not send')

    // Edited before sending; an emoji from the keyboard goes in at the caret.
    await page.keyboard.type(' Puede pagar hoy')
    await page.locator('#composer [data-emoji-toggle]').click()
    await page.locator('#composer [data-emoji-panel]').waitFor()
    // Down a row, right, and up again: the emoji above (😀 → 😘 → 😎 → 😃).
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('Enter')
    await page.locator('#composer [data-emoji-panel]').waitFor({ state: 'hidden' })
    const edited = `${filled} Puede pagar hoy😃`
    assert.equal(await textarea.inputValue(), edited)
    assert.isTrue(
      await page.evaluate(`document.activeElement === document.querySelector('#composer textarea')`)
    )

    await page.keyboard.press('Enter')
    await page.locator('#timeline .message--out', { hasText: 'Puede pagar hoy😃' }).waitFor()
    const stored = await db.from('messages').where('direction', 'out').firstOrFail()
    assert.equal(stored.body, edited)
  })

  test('a supervisor tags the chat from its header; the chat row shows it live; a message gets a tag', async ({
    browserContext,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const conversationId = await chatWithClient(null)
    await Tag.create({ name: 'Promesa de pago', color: '#1f8a70', isActive: true })
    await Tag.create({ name: 'Retirada', color: '#999999', isActive: false })
    await browserContext.loginAs(supervisor)
    const page = await browserContext.newPage()
    await page.goto(`/inbox/conversations/${conversationId}`)
    await listening(page, 'supervisors')
    await listening(page, `conversations/${conversationId}`)
    await page.evaluate('window.__sameDocument = true')

    const bar = page.locator(`#conversation-tags-${conversationId}`)
    await bar.locator('summary').click()
    assert.equal(await bar.locator('.tag-picker__option', { hasText: 'Retirada' }).count(), 0)
    await bar.locator('.tag-picker__option', { hasText: 'Promesa de pago' }).click()
    await bar.locator('li.tag', { hasText: 'Promesa de pago' }).waitFor()
    await page.locator(`#chat-row-${conversationId} .tag`, { hasText: 'Promesa de pago' }).waitFor()

    const message = page.locator('#timeline .message--in').first()
    await message.locator('.tag-picker summary').click()
    await message.locator('.tag-picker__option', { hasText: 'Promesa de pago' }).click()
    // The chip itself (a direct child), not the option of the menu it replaces.
    await message.locator('.message-tags > .tag', { hasText: 'Promesa de pago' }).waitFor()
    assert.equal(await message.locator('.message-tags .tag-picker').count(), 0)

    // Taken off again from the header: the row follows.
    await bar.getByRole('button', { name: 'Quitar la etiqueta Promesa de pago' }).click()
    await page
      .locator(`#chat-row-${conversationId} .tag`, { hasText: 'Promesa de pago' })
      .waitFor({ state: 'detached' })
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')
    assert.lengthOf(await db.from('conversation_tags'), 0)
    assert.lengthOf(await db.from('message_tags'), 1)
  })
})
