import { test } from '@japa/runner'
import type { Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/*
| The dashboard in real Chromium: the charts are drawn by the served
| Chart.js, and a customer message changes the numbers live (SSE signal →
| fragment refetch), without a reload.
*/

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

function figure(page: Page, name: string) {
  return page.locator(`[data-figure="${name}"] dd`)
}

async function waitForFigure(page: Page, name: string, value: string) {
  await page.waitForFunction(
    `(document.querySelector('[data-figure="${name}"] dd')?.firstChild?.textContent || '').trim() === ${JSON.stringify(value)}`
  )
}

test.group('Browser: dashboard', (group) => {
  group.each.setup(() => resetDatabase())

  test('a supervisor sees the received count and the waiting messages grow when a message arrives', async ({
    browserContext,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const connection = await createConnection({ name: 'Ventas' })
    await receive(connection, { waId: '593991112233', name: 'María Cliente' })
    await browserContext.loginAs(supervisor)
    const page = await browserContext.newPage()
    await page.goto('/dashboard')
    await listening(page, 'dashboard')
    await page.evaluate('window.__sameDocument = true')
    assert.equal((await figure(page, 'received-today').innerText()).trim(), '1')
    assert.equal((await figure(page, 'tray-new').innerText()).trim(), '1')
    // Chart.js (served from /vendor) drew the per-day chart.
    await page.waitForFunction(
      `!!window.Chart && !!window.Chart.getChart(document.querySelector('canvas[data-chart="volume-per-day"]'))`
    )

    await receive(connection, { waId: '593991112233', body: '¿Siguen ahí?' })
    await waitForFigure(page, 'received-today', '2')
    await receive(connection, { waId: '593990000002', name: 'Otro Cliente' })
    // A second change inside the throttle window still arrives (trailing signal).
    await waitForFigure(page, 'tray-new', '2')
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')
  })

  test("an agent's own numbers change live on their own channel", async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    const connection = await createConnection()
    const { conversationId } = await receive(connection, { waId: '593991112233' })
    await db
      .from('conversations')
      .where('id', conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto('/dashboard')
    await listening(page, `users/${agent.id}`)
    await page.evaluate('window.__sameDocument = true')
    assert.equal((await figure(page, 'received-today').innerText()).trim(), '1')
    await receive(connection, { waId: '593991112233', body: 'Hola de nuevo' })
    await waitForFigure(page, 'received-today', '2')
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')
  })
})
