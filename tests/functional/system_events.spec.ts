import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import systemEventLog from '#services/system_event_log'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/** A stored event at a given moment (the service always stamps "now"). */
async function storeEvent(values: {
  level: string
  category: string
  source?: string
  message: string
  at?: string
}) {
  await db.table('system_events').insert({
    level: values.level,
    category: values.category,
    source: values.source ?? 'core',
    message: values.message,
    context: JSON.stringify({ detail: values.message }),
    created_at: values.at ?? new Date().toISOString(),
  })
}

test.group('System events: access', (group) => {
  group.each.setup(() => resetDatabase())

  test('admins see the log; supervisors and agents are refused by default', async ({ client }) => {
    const expected = { admin: 200, supervisor: 403, agent: 403 }
    for (const [role, status] of Object.entries(expected)) {
      const user = await createUser(role)
      const response = await client.get('/system-events').loginAs(user)
      response.assertStatus(status)
      if (status === 403)
        response.assertTextIncludes('No tienes permiso para realizar esta acción.')
    }
  })

  test('access follows the permission, not the role name', async ({ client }) => {
    const supervisor = await createUser('supervisor')
    const role = await Role.findByOrFail('key', 'supervisor')
    await db
      .table('role_permissions')
      .insert({ role_id: role.id, permission_key: 'system_events.view' })
    const response = await client.get('/system-events').loginAs(supervisor)
    response.assertStatus(200)
  })

  test('without a session the page goes to /login', async ({ client }) => {
    await createUser('admin')
    const response = await client.get('/system-events').redirects(0)
    response.assertHeader('location', '/login')
  })

  test('the navigation shows the entry only to users who may open it', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    assert.include((await client.get('/').loginAs(admin)).text(), 'href="/system-events"')
    assert.notInclude((await client.get('/').loginAs(supervisor)).text(), 'href="/system-events"')
  })
})

test.group('System events: list and filters', (group) => {
  group.each.setup(() => resetDatabase())

  test('an event recorded by the service shows up, newest first, with level and source', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await systemEventLog.record({
      level: 'info',
      category: 'plugin.enabled',
      message: 'older event',
    })
    await systemEventLog.record({
      level: 'critical',
      category: 'connection.lost',
      source: 'baileys',
      message: 'newer event',
      context: { connectionId: 7 },
    })
    const page = await client.get('/system-events').loginAs(admin)
    const html = page.text()
    assert.isBelow(html.indexOf('newer event'), html.indexOf('older event'))
    assert.include(html, 'class="log-row log-row--critical"')
    assert.include(html, '<span class="badge badge--danger">Crítico</span>')
    assert.include(html, '<td>baileys</td>')
    assert.include(html, '{&quot;connectionId&quot;:7}')
    assert.include(html, 'data-live-channel="system_events"')
  })

  test('filters by level, category, source and text', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await storeEvent({
      level: 'critical',
      category: 'connection.lost',
      source: 'baileys',
      message: 'Alpha disconnected',
    })
    await storeEvent({
      level: 'warning',
      category: 'send.failed',
      source: 'meta',
      message: 'Bravo retrying',
    })
    await storeEvent({ level: 'info', category: 'plugin.enabled', message: 'Charlie enabled 100%' })

    const cases: [string, string[], string[]][] = [
      ['level=critical', ['Alpha'], ['Bravo', 'Charlie']],
      ['category=send.failed', ['Bravo'], ['Alpha', 'Charlie']],
      ['source=core', ['Charlie'], ['Alpha', 'Bravo']],
      ['q=DISCONNECTED', ['Alpha'], ['Bravo', 'Charlie']],
      ['q=meta', ['Bravo'], ['Alpha', 'Charlie']],
      // `%` is a literal character, not a wildcard.
      ['q=100%25', ['Charlie'], ['Alpha', 'Bravo']],
      ['q=zz%25', [], ['Alpha', 'Bravo', 'Charlie']],
      ['level=&category=&q=', ['Alpha', 'Bravo', 'Charlie'], []],
    ]
    for (const [query, present, absent] of cases) {
      const html = (await client.get(`/system-events?${query}`).loginAs(admin)).text()
      for (const word of present) assert.include(html, `${word} `, `${query} should show ${word}`)
      for (const word of absent) assert.notInclude(html, `${word} `, `${query} should hide ${word}`)
    }
  })

  test('filters by a date range in the organization timezone', async ({ client, assert }) => {
    const admin = await createUser('admin')
    // America/Guayaquil is UTC-5: 2026-03-10 04:00Z is still 9 March there.
    await storeEvent({
      level: 'info',
      category: 'a',
      message: 'Ninth late',
      at: '2026-03-10T04:00:00Z',
    })
    await storeEvent({
      level: 'info',
      category: 'a',
      message: 'Tenth noon',
      at: '2026-03-10T17:00:00Z',
    })
    await storeEvent({
      level: 'info',
      category: 'a',
      message: 'Eleventh',
      at: '2026-03-11T18:00:00Z',
    })

    const tenth = (
      await client.get('/system-events?from=2026-03-10&to=2026-03-10').loginAs(admin)
    ).text()
    assert.include(tenth, 'Tenth noon')
    assert.notInclude(tenth, 'Ninth late')
    assert.notInclude(tenth, 'Eleventh')

    const fromTenth = (await client.get('/system-events?from=2026-03-10').loginAs(admin)).text()
    assert.include(fromTenth, 'Eleventh')
    assert.notInclude(fromTenth, 'Ninth late')
  })

  test('bad filter input shows translated messages, no rows and no crash', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await storeEvent({ level: 'critical', category: 'x', message: 'Hidden while invalid' })
    const cases: [string, string][] = [
      ['from=2026-02-31', 'El campo desde debe ser una fecha válida (AAAA-MM-DD).'],
      ['to=yesterday', 'El campo hasta debe ser una fecha válida (AAAA-MM-DD).'],
      ['from=2026-03-10&to=2026-03-01', 'La fecha hasta no puede ser anterior a la fecha desde.'],
      ['level=panic', 'Elige una opción válida para nivel.'],
      ['before=-4', 'El campo página debe ser mayor que cero.'],
      [`q=${'x'.repeat(201)}`, 'El campo texto no puede tener más de 200 caracteres.'],
    ]
    for (const [query, message] of cases) {
      const response = await client.get(`/system-events?${query}`).loginAs(admin)
      response.assertStatus(200)
      assert.include(response.text(), message, query)
      assert.notInclude(response.text(), 'Hidden while invalid', query)
    }
  })

  test('the same message in English for an English-speaking admin', async ({ client }) => {
    const admin = await createUser('admin', { locale: 'en' })
    const response = await client.get('/system-events?from=nope').loginAs(admin)
    response.assertTextIncludes('The from field must be a valid date (YYYY-MM-DD).')
  })

  test('pages by id with a link to older events, keeping the filters', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    for (let i = 1; i <= 55; i++)
      await storeEvent({ level: 'warning', category: 'send.failed', message: `event-${i}.` })
    await storeEvent({ level: 'info', category: 'other', message: 'not a warning.' })

    const first = (await client.get('/system-events?level=warning').loginAs(admin)).text()
    assert.include(first, 'event-55.')
    assert.include(first, 'event-6.')
    assert.notInclude(first, 'event-5.')
    const older = /href="\/system-events\?(level=warning&amp;before=\d+)"/.exec(first)
    assert.exists(older, 'older link keeps the level filter')

    const second = await client
      .get(`/system-events?${older![1].replace('&amp;', '&')}`)
      .loginAs(admin)
    const html = second.text()
    assert.include(html, 'event-5.')
    assert.include(html, 'event-1.')
    assert.notInclude(html, 'event-6.')
    assert.notInclude(html, 'not a warning.')
    // Older pages do not refetch live: new events would not belong on them.
    assert.notInclude(html, 'data-live-channel="system_events"')
  })

  test('an htmx request gets only the results fragment', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await storeEvent({ level: 'critical', category: 'x', message: 'Fragment row' })
    const response = await client
      .get('/system-events?level=critical')
      .loginAs(admin)
      .header('hx-request', 'true')
    const html = response.text()
    assert.match(html.trim(), /^<div id="system-events-results"/)
    assert.include(html, 'Fragment row')
    assert.include(html, 'hx-get="/system-events?level=critical"')
    assert.notInclude(html, '<html')
    response.assertHeader('vary', 'HX-Request')
  })
})
