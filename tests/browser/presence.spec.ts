import { test } from '@japa/runner'
import type { Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { nextWaId, servedBy } from '#tests/helpers/routing_fixtures'
import presence from '#services/routing/agent_presence'

/*
| The availability control in real Chromium: the agent sets it from the
| header, a chat that waited in the queue is assigned at once, and a change
| made elsewhere (idle sweep) reaches the open page live.
*/

async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

test.group('Browser: agent availability', (group) => {
  group.each.setup(() => resetDatabase())

  test('going online from the header takes the waiting chat; idle goes offline live', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Rosa Agente' })
    const connection = await createConnection()
    await servedBy(connection, agent)
    const { conversationId } = await receive(connection, { waId: nextWaId(), name: 'Cliente Cola' })
    const waiting = await db.from('conversations').where('id', conversationId).first()
    assert.equal(waiting.routing_state, 'queued')

    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto('/inbox')
    const select = page.locator('#presence-status')
    await select.waitFor()
    assert.equal(await select.inputValue(), 'offline')
    await listening(page, `users/${agent.id}`)

    await select.selectOption('online')
    await page.locator('#presence-control.presence--online').waitFor()
    const taken = await db.from('conversations').where('id', conversationId).first()
    assert.equal(taken.assigned_user_id, agent.id)
    // The chat list follows live: the queued chat is now the agent's.
    await page.getByText('Cliente Cola').first().waitFor()

    await db
      .from('agent_presence')
      .where('user_id', agent.id)
      .update({ last_seen_at: new Date(Date.now() - 60 * 60 * 1000) })
    await presence.sweepIdle()
    await page.locator('#presence-control.presence--offline').waitFor()
    assert.equal(await page.locator('#presence-status').inputValue(), 'offline')
  })
})
