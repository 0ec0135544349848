import { test } from '@japa/runner'
import type { Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/*
| Transfers end to end in real Chromium, two sessions: the agent asks, the
| supervisor's bell rings without a reload, the supervisor approves from the
| notification, the chat changes hands and the agent's bell rings. A stale
| second tab asking again is refused with the translated message.
*/

const baseURL = () => `http://${process.env.HOST}:${process.env.PORT}`

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

function bellCount(page: Page) {
  return page.locator('#notification-bell a.bell').getAttribute('data-unread')
}

async function fillRequest(page: Page, targetName: string, reason: string) {
  const form = page.locator('form.transfer-form')
  await form.getByLabel('Agente', { exact: true }).selectOption({ label: targetName })
  await form.getByLabel('Motivo').fill(reason)
}

test.group('Browser: transfers', (group) => {
  group.each.setup(() => resetDatabase())

  test('agent requests → supervisor bell rings live → approve → chat moves, agent notified live; a duplicate is refused', async ({
    browser,
    browserContext,
    assert,
  }) => {
    const supervisor = await createUser('supervisor', { fullName: 'Sara Supervisora' })
    const agent = await createUser('agent', { fullName: 'Ana Agente' })
    const target = await createUser('agent', { fullName: 'Bruno Destino' })
    const connection = await createConnection()
    const { conversationId } = await receive(connection, {
      waId: '593994000001',
      name: 'María Cliente',
    })
    await db
      .from('conversations')
      .where('id', conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })

    // The agent has the chat open twice (the second tab goes stale).
    await browserContext.loginAs(agent)
    const agentPage = await browserContext.newPage()
    const staleTab = await browserContext.newPage()
    for (const page of [agentPage, staleTab]) {
      await page.goto(`/inbox/conversations/${conversationId}`)
      await page.locator('.transfer-box > summary').click()
      await page.waitForSelector('form.transfer-form [data-action="request-transfer"]')
    }
    await listening(agentPage, `users/${agent.id}`)
    // The stale tab keeps its form even when its transfer box refreshes (as with a dropped stream).
    await staleTab.evaluate(`document.body.prepend(document.querySelector('form.transfer-form'))`)

    const supervisorContext = await browser.newContext({ baseURL: baseURL() })
    try {
      await supervisorContext.loginAs(supervisor)
      const supervisorPage = await supervisorContext.newPage()
      await supervisorPage.goto('/')
      await listening(supervisorPage, `users/${supervisor.id}`)
      assert.equal(await bellCount(supervisorPage), '0')
      await supervisorPage.evaluate('window.__sameDocument = true')

      await fillRequest(agentPage, 'Bruno Destino', 'El cliente pide cobranzas')
      await agentPage.locator('[data-action="request-transfer"]').click()
      // Outcomes, not the success flash: a live refetch in the same session may read the flash first.
      await agentPage.waitForSelector('#transfer-pending')

      // The supervisor's bell rings without a reload.
      await supervisorPage.waitForSelector('#notification-bell .bell__count >> text=1')
      assert.isTrue(await supervisorPage.evaluate('window.__sameDocument === true'))

      // The stale tab asks again: refused, with the translated reason.
      await fillRequest(staleTab, 'Bruno Destino', 'Otra vez')
      await staleTab.locator('[data-action="request-transfer"]').click()
      await staleTab.waitForSelector(
        '#flash >> text=Este chat ya tiene una solicitud de transferencia pendiente'
      )
      assert.lengthOf(await db.from('transfer_requests'), 1)

      // The supervisor approves from the notification.
      await agentPage.evaluate('window.__sameDocument = true')
      assert.equal(await bellCount(agentPage), '0')
      await supervisorPage.locator('#notification-bell a.bell').click()
      await supervisorPage
        .getByRole('link', { name: /Ana Agente pide transferir el chat con María Cliente/ })
        .click()
      await supervisorPage.waitForSelector('#transfer-state >> text=Pendiente')
      await supervisorPage.locator('[data-action="approve-transfer"]').click()
      await supervisorPage.waitForSelector('#transfer-state >> text=Aprobada')

      const conversation = await db.from('conversations').where('id', conversationId).first()
      assert.equal(conversation.assigned_user_id, target.id)
      const [transfer] = await db.from('transfer_requests')
      assert.equal(transfer.state, 'approved')
      assert.equal(transfer.decided_by, supervisor.id)

      // The agent hears of it live, in the same page.
      await agentPage.waitForSelector('#notification-bell .bell__count >> text=1')
      assert.isTrue(await agentPage.evaluate('window.__sameDocument === true'))
      await agentPage.goto('/notifications')
      await agentPage.waitForSelector(
        'text=Sara Supervisora aprobó tu transferencia del chat con María Cliente'
      )
    } finally {
      await supervisorContext.close()
    }
  })

  test('phone width: the transfer request is reachable from the open conversation', async ({
    browserContext,
  }) => {
    const agent = await createUser('agent')
    await createUser('agent', { fullName: 'Bruno Destino' })
    const connection = await createConnection()
    const { conversationId } = await receive(connection, { waId: '593994000002', name: 'Pedro' })
    await db
      .from('conversations')
      .where('id', conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.setViewportSize({ width: 390, height: 800 })
    await page.goto(`/inbox/conversations/${conversationId}`)
    await page.locator('.transfer-box > summary').click()
    await page.waitForSelector('form.transfer-form [data-action="request-transfer"]')
  })
})
