import { test } from '@japa/runner'
import { sandboxChat } from '#plugins/sandbox/tests/helpers/sandbox_test_helpers'
import type { BrowserContext, Page } from 'playwright'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| WhatsApp calls end to end in real Chromium, with the calls plugin on: the
| customer presses "Llamar" on the sandbox phone, the agent who has the chat
| open sees the bell and the ringing call live, the customer hangs up and
| the entry turns missed without a reload. With auto-reject on, the phone
| shows the call declined and receives the configured text.
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

async function notificationKinds(userId: number) {
  const rows = await db.from('notifications').where('user_id', userId).orderBy('id')
  return rows.map((row) => row.kind as string)
}

/** The agent's chat, open and listening to its conversation and to the agent's notifications. */
async function agentInbox(context: BrowserContext, agentId: number, conversationId: number) {
  const inbox = await context.newPage()
  await inbox.goto(`/inbox/conversations/${conversationId}`)
  await listening(inbox, `conversations/${conversationId}`)
  await listening(inbox, `users/${agentId}`)
  await inbox.evaluate('window.__sameDocument = true')
  return inbox
}

test.group('Browser: calls', (group) => {
  group.each.setup(() => resetDatabase())

  test('the customer calls from the sandbox phone → ringing live for the agent → hangs up → missed live', async ({
    browser,
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const admin = await createUser('admin')
    const { conversationId, phoneUrl } = await sandboxChatWithCalls(agent.id)

    await browserContext.loginAs(agent)
    const inbox = await agentInbox(browserContext, agent.id, conversationId)
    const before = Number(await bellCount(inbox))

    const phoneContext = await browser.newContext({ baseURL: baseURL() })
    try {
      await phoneContext.loginAs(admin)
      const phonePage = await phoneContext.newPage()
      await phonePage.goto(phoneUrl)
      await phonePage.getByRole('button', { name: 'Llamar', exact: false }).first().click()
      const ringingOnPhone = phonePage.locator('[data-test=call][data-call-status=ringing]')
      await ringingOnPhone.waitFor()
      assert.include(await ringingOnPhone.innerText(), 'Llamando…')

      // The agent: the ringing call in the open chat and a notice on the bell, both live.
      // Offer and ringing come a few ms apart: the entry may show either, both read "sonando".
      const ringing = inbox.locator('#timeline .message__call', { hasText: 'sonando' })
      await ringing.waitFor()
      assert.include(await ringing.innerText(), 'Llamada entrante')
      assert.include(await ringing.innerText(), 'sonando')
      await inbox.waitForFunction(
        `Number(document.querySelector('#notification-bell a.bell').dataset.unread) > ${before}`
      )
      assert.include(await notificationKinds(agent.id), 'calls.notifications.incoming')
      const afterRing = Number(await bellCount(inbox))

      await ringingOnPhone.getByRole('button', { name: 'Colgar' }).click()
      await phonePage.locator('[data-test=call][data-call-status=missed]').waitFor()
      assert.include(await phonePage.locator('[data-test=call]').innerText(), 'No contestada')

      const missed = inbox.locator('#timeline [data-call-status=missed]')
      await missed.waitFor()
      assert.include(await missed.innerText(), 'perdida')
      assert.equal(await inbox.locator('#timeline .message__call').count(), 1)
      await inbox.waitForFunction(
        `Number(document.querySelector('#notification-bell a.bell').dataset.unread) > ${afterRing}`
      )
      const kinds = await notificationKinds(agent.id)
      assert.deepEqual(
        kinds.filter((kind) => kind.startsWith('calls.')),
        ['calls.notifications.incoming', 'calls.notifications.missed']
      )
      assert.equal(Number(await bellCount(inbox)), kinds.length)
      assert.isTrue(await inbox.evaluate('window.__sameDocument === true'), 'no reload happened')
    } finally {
      await phoneContext.close()
    }
  })

  test('auto-reject: the phone shows the call declined and receives the configured text', async ({
    browser,
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const admin = await createUser('admin')
    const { conversationId, phoneUrl } = await sandboxChatWithCalls(agent.id)
    await pluginHost.saveSettings(
      'calls',
      {
        values: {
          notifyAgent: 'true',
          autoReject: 'true',
          rejectMessage: 'Hoy atendemos solo por chat, ¡escríbenos!',
        },
      },
      null
    )

    await browserContext.loginAs(agent)
    const inbox = await agentInbox(browserContext, agent.id, conversationId)

    const phoneContext = await browser.newContext({ baseURL: baseURL() })
    try {
      await phoneContext.loginAs(admin)
      const phonePage = await phoneContext.newPage()
      await phonePage.goto(phoneUrl)
      await phonePage.getByRole('button', { name: 'Videollamada' }).click()

      const declined = phonePage.locator('[data-test=call][data-call-status=rejected]')
      await declined.waitFor()
      assert.include(await declined.innerText(), 'Llamada rechazada')
      assert.include(await declined.innerText(), 'Videollamada')
      assert.equal(await declined.getByRole('button', { name: 'Colgar' }).count(), 0)
      // The thread polls: the business's text arrives on the phone.
      await phonePage
        .locator('.sandbox-thread__message--out', {
          hasText: 'Hoy atendemos solo por chat, ¡escríbenos!',
        })
        .waitFor()

      // The agent sees the declined call and the automatic reply in the open chat.
      await inbox.locator('#timeline [data-call-status=rejected]').waitFor()
      assert.include(
        await inbox.locator('#timeline [data-call-status=rejected]').innerText(),
        'Videollamada entrante'
      )
      await inbox
        .locator('#timeline .message--out', {
          hasText: 'Hoy atendemos solo por chat, ¡escríbenos!',
        })
        .waitFor()
      assert.include(await notificationKinds(agent.id), 'calls.notifications.auto_rejected')
      assert.isTrue(await inbox.evaluate('window.__sameDocument === true'), 'no reload happened')
    } finally {
      await phoneContext.close()
    }
  })
})

/** The shared sandbox chat, with the calls plugin on. */
async function sandboxChatWithCalls(agentId: number) {
  const chat = await sandboxChat(agentId)
  await pluginHost.enable('calls', null)
  return chat
}
