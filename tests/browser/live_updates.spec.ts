import { test } from '@japa/runner'
import type { Page } from 'playwright'
import notifier from '#services/notifier'
import systemEventLog from '#services/system_event_log'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Live updates in real Chromium: Transmit's event stream, the subscribe POST
| (with its CSRF header), the broadcaster and the htmx refetch, end to end.
| Expressions run in the page are strings: the test project has no DOM types.
*/

const baseURL = () => `http://${process.env.HOST}:${process.env.PORT}`

/** The page is listening once its own channel was accepted by the server. */
async function listening(page: Page, channel: string) {
  await page.waitForFunction(
    `(document.body.dataset.liveChannels || '').split(' ').includes(${JSON.stringify(channel)})`
  )
}

function bellCount(page: Page) {
  return page.locator('#notification-bell a.bell').getAttribute('data-unread')
}

const critical = (message: string) => ({
  level: 'critical' as const,
  category: 'connection.lost',
  source: 'baileys',
  message,
})

test.group('Browser: live updates', (group) => {
  group.each.setup(() => resetDatabase())

  test("a critical event lights up the admin's bell without a reload, over a CSRF-checked subscribe", async ({
    browserContext,
    assert,
  }) => {
    const admin = await createUser('admin')
    await browserContext.loginAs(admin)
    const page = await browserContext.newPage()
    const subscribes: { channel: string; csrf?: string; status?: number }[] = []
    page.on('response', (response) => {
      const request = response.request()
      if (!request.url().endsWith('/__transmit/subscribe')) return
      subscribes.push({
        channel: JSON.parse(request.postData() ?? '{}').channel,
        csrf: request.headers()['x-csrf-token'],
        status: response.status(),
      })
    })
    await page.goto('/')
    await listening(page, `users/${admin.id}`)
    assert.equal(await bellCount(page), '0')
    await page.evaluate('window.__sameDocument = true')

    await systemEventLog.record(critical('Número 0999 desconectado'))

    await page.waitForSelector('#notification-bell .bell__count >> text=1')
    assert.equal(await bellCount(page), '1')
    assert.isTrue(await page.evaluate('window.__sameDocument === true'), 'no reload happened')

    const token = await page.locator('meta[name="csrf-token"]').getAttribute('content')
    assert.deepInclude(subscribes, { channel: `users/${admin.id}`, csrf: token!, status: 204 })
  })

  test("a second session's action shows live in the first: marking all read clears the bell", async ({
    browser,
    browserContext,
    assert,
  }) => {
    const admin = await createUser('admin')
    await notifier.notify([admin.id], 'system_event_critical', {
      source: 'core',
      category: 'a',
      message: 'uno',
    })
    await notifier.notify([admin.id], 'system_event_critical', {
      source: 'core',
      category: 'b',
      message: 'dos',
    })

    await browserContext.loginAs(admin)
    const first = await browserContext.newPage()
    await first.goto('/')
    await listening(first, `users/${admin.id}`)
    assert.equal(await bellCount(first), '2')

    const otherContext = await browser.newContext({ baseURL: baseURL() })
    try {
      await otherContext.loginAs(admin)
      const second = await otherContext.newPage()
      await second.goto('/notifications')
      assert.equal(await second.locator('.notification--unread').count(), 2)
      await second.getByRole('button', { name: 'Marcar todas como leídas' }).click()
      await second.waitForSelector('.notification--unread', { state: 'detached' })

      await first.waitForSelector('#notification-bell .bell__count', { state: 'detached' })
      assert.equal(await bellCount(first), '0')
    } finally {
      await otherContext.close()
    }
  })

  test('the system events page shows a new event live, keeping its filter', async ({
    browserContext,
    assert,
  }) => {
    const admin = await createUser('admin')
    await browserContext.loginAs(admin)
    const page = await browserContext.newPage()
    await page.goto('/system-events')
    await page.getByLabel('Nivel').selectOption('critical')
    await page.waitForFunction(`location.search === '?level=critical'`)
    await listening(page, 'system_events')

    await systemEventLog.record({
      level: 'warning',
      category: 'send.failed',
      message: 'Solo una advertencia',
    })
    await systemEventLog.record(critical('Conexión Ventas caída'))

    await page.waitForSelector('#system-events-results >> text=Conexión Ventas caída')
    assert.equal(
      await page.locator('#system-events-results >> text=Solo una advertencia').count(),
      0
    )
    // The critical event also reached the bell.
    await page.waitForSelector('#notification-bell .bell__count >> text=1')
  }).retry(2)

  test('a refused channel does not break the page: the rest stays live', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    await browserContext.loginAs(agent)
    const page = await browserContext.newPage()
    await page.goto('/')
    await listening(page, `users/${agent.id}`)

    // A fragment asking for a channel this agent may not hear.
    const refused = page.evaluate(`new Promise((resolve) => {
      document.body.addEventListener('live:subscribe-failed', (event) => resolve(event.detail), { once: true })
      const element = document.createElement('div')
      element.dataset.liveChannel = 'system_events'
      document.querySelector('main').append(element)
      window.chasquiLive.sync()
    })`)
    assert.deepEqual(await refused, { channel: 'system_events', status: 400 })
    assert.notInclude(
      (await page.evaluate('document.body.dataset.liveChannels')) as string,
      'system_events'
    )

    await notifier.notify([agent.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'sigue vivo',
    })
    await page.waitForSelector('#notification-bell .bell__count >> text=1')
  })

  test('after the connection drops and comes back, the bell catches up on what it missed', async ({
    browserContext,
  }) => {
    const admin = await createUser('admin')
    await browserContext.loginAs(admin)
    const page = await browserContext.newPage()
    await page.goto('/')
    await listening(page, `users/${admin.id}`)

    // Close the stream from the browser's side, as a network drop would, and
    // send a signal while nobody listens: it is lost on purpose.
    await page.evaluate(`window.chasquiLive.disconnect()`)
    await page.waitForFunction(`document.body.dataset.liveState !== 'connected'`)
    await notifier.notify([admin.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'perdida',
    })

    // Coming back online reconnects at once and raises live:reconnected → the bell refetches.
    await page.evaluate(`window.dispatchEvent(new Event('online'))`)
    await page.waitForFunction(`document.body.dataset.liveState === 'connected'`)
    await page.waitForSelector('#notification-bell .bell__count >> text=1')
  })

  test('without Transmit the pages still work and the bell follows this page’s own actions', async ({
    browserContext,
    assert,
  }) => {
    const agent = await createUser('agent')
    await notifier.notify([agent.id], 'system_event_critical', {
      source: 'core',
      category: 'a',
      message: 'uno',
    })
    await notifier.notify([agent.id], 'system_event_critical', {
      source: 'core',
      category: 'b',
      message: 'dos',
    })
    await browserContext.loginAs(agent)
    await browserContext.route('**/__transmit/**', (route) => route.abort())
    const page = await browserContext.newPage()
    await page.goto('/notifications')
    await page.waitForFunction(
      `document.body.dataset.liveState && document.body.dataset.liveState !== 'connected'`
    )
    assert.equal(await bellCount(page), '2')

    await page.getByRole('button', { name: 'Marcar como leída' }).first().click()
    await page.waitForSelector('#notification-bell .bell__count >> text=1')
    assert.equal(await page.locator('.notification--unread').count(), 1)
  })
})
