import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { dashboardFixture, RANGE } from '#tests/helpers/dashboard_fixture'
import { LiveSession } from '#tests/helpers/live_session'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import dashboardMetrics from '#services/dashboard_metrics'
import dashboardSnapshot from '#services/dashboard_snapshot'
import { dashboardRange } from '#services/dashboard_range'
import dashboardVolumeRollup from '#services/dashboard_volume_rollup'
import type { DashboardScope } from '#services/dashboard_scope'

/*
| The dashboard per role, with exact figures on a hand-built fixture
| (tests/helpers/dashboard_fixture.ts), the date-range refusals, and the
| `dashboard` live channel.
*/

/** The number shown in a card: `<div data-figure="name"> <dt>…</dt> <dd>N`. */
function figure(html: string, name: string) {
  const match = new RegExp(`data-figure="${name}"[\\s\\S]*?<dd>\\s*([^<\\n]+?)\\s*(<|$)`).exec(html)
  return match ? match[1].trim() : null
}

/** The cells of the table row carrying `attribute`. */
function row(html: string, attribute: string) {
  const match = new RegExp(`<tr ${attribute}>([\\s\\S]*?)</tr>`).exec(html)
  if (!match) return null
  return [...match[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1].trim())
}

const TZ = 'America/Guayaquil'
const rangeOf = () =>
  dashboardRange(
    { from: new Date(`${RANGE.from}T12:00:00`), to: new Date(`${RANGE.to}T12:00:00`) },
    TZ
  )!

test.group('Dashboard', (group) => {
  group.each.setup(() => resetDatabase())

  test('guests go to login; a role without chats or dashboard is refused', async ({
    client,
    assert,
  }) => {
    await createUser('admin')
    const guest = await client.get('/dashboard').redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')

    const [role] = await db
      .table('roles')
      .insert({ key: 'auditor', name: 'Auditor', created_at: new Date(), updated_at: new Date() })
      .returning('id')
    await db.table('role_permissions').insert({ role_id: role.id, permission_key: 'audit.view' })
    const auditor = await createUser('auditor')
    const refused = await client.get('/dashboard').loginAs(auditor)
    refused.assertStatus(403)
    const home = await client.get('/').loginAs(auditor)
    assert.notInclude(home.text(), 'href="/dashboard"')
  })

  test('admins and supervisors see the whole operation with exact figures', async ({
    client,
    assert,
  }) => {
    const f = await dashboardFixture()
    const now = new Date()
    await db.table('agent_presence').multiInsert([
      { user_id: f.ana.id, status: 'online', status_changed_at: now, last_seen_at: now },
      // Busy, but silent for an hour: idle counts as offline.
      {
        user_id: f.beto.id,
        status: 'busy',
        status_changed_at: now,
        last_seen_at: new Date(Date.now() - 3600_000),
      },
    ])
    for (const user of [f.admin, f.supervisor]) {
      const page = await client.get('/dashboard').qs(RANGE).loginAs(user)
      page.assertStatus(200)
      const html = page.text()
      assert.include(html, 'data-live-channel="dashboard"')
      assert.include(html, 'href="/dashboard"')
      // Connections with state and last disconnection (10:00 in Guayaquil).
      assert.include(html, 'Ventas')
      assert.include(html, 'Desconectada')
      assert.match(html, /Última desconexión:\s*2 mar 2026,? 10:00/)
      assert.equal(figure(html, 'tray-new'), '1')
      assert.equal(figure(html, 'tray-pending'), '1')
      assert.equal(figure(html, 'tray-in_progress'), '1')
      assert.equal(figure(html, 'tray-resolved'), '1')
      assert.equal(figure(html, 'unassigned'), '1')
      assert.equal(figure(html, 'pending-messages'), '6')
      assert.equal(figure(html, 'sent-today'), '1')
      assert.equal(figure(html, 'received-today'), '1')
      assert.equal(figure(html, 'queued'), '1')
      assert.equal(figure(html, 'new-contacts'), '2')
      assert.equal(figure(html, 'unique-contacts'), '3')
      assert.deepEqual(row(html, `data-user-id="${f.beto.id}"`), ['Beto Agente', '3', '1'])
      // Range metrics: K1, K2 and K4 opened on March 2nd in Guayaquil.
      assert.equal(figure(html, 'opened'), '3')
      assert.equal(figure(html, 'first-response'), '27 min')
      assert.include(html, 'mediana 20 min')
      assert.equal(figure(html, 'resolution'), '24 h 00 min')
      assert.equal(figure(html, 'resolved'), '1')
      assert.deepEqual(row(html, 'data-day="2026-03-02"')?.slice(1), [
        '4',
        '2',
        '3',
        '0',
        '27 min',
        '—',
      ])
      assert.deepEqual(row(html, 'data-day="2026-03-03"')?.slice(1), [
        '0',
        '2',
        '0',
        '1',
        '—',
        '24 h 00 min',
      ])
      assert.deepEqual(row(html, `data-connection-id="${f.L1}"`), ['Ventas', '3', '3'])
      assert.deepEqual(row(html, `data-connection-id="${f.L2}"`), ['Soporte', '1', '1'])
      assert.include(html, '<script src="/vendor/chart.umd.min.js" defer></script>')
      // Agents' availability and load.
      const load = html.slice(html.indexOf('data-test="agent-load"'))
      assert.deepEqual(row(load, `data-user-id="${f.ana.id}"`)?.slice(-2), ['1', '2'])
      assert.include(row(load, `data-user-id="${f.ana.id}"`)![1], 'En línea')
      assert.include(row(load, `data-user-id="${f.beto.id}"`)![1], 'Desconectado')
      assert.deepEqual(row(load, `data-user-id="${f.beto.id}"`)?.slice(-2), ['1', '3'])
    }
  })

  test('the metrics in numbers: averages, medians, days in the organization time zone', async ({
    assert,
  }) => {
    const f = await dashboardFixture()
    const team: DashboardScope = { kind: 'team', timezone: TZ }
    const metrics = await dashboardMetrics.forRange(team, rangeOf())
    assert.equal(metrics.opened, 3)
    assert.deepEqual(metrics.firstResponse, { count: 3, avgSeconds: 1600, medianSeconds: 1200 })
    assert.deepEqual(metrics.resolution, { count: 1, avgSeconds: 86400, medianSeconds: 86400 })
    assert.deepEqual(
      metrics.perDay.map((d) => [d.day, d.received, d.sent, d.opened, d.resolved]),
      [
        ['2026-03-02', 4, 2, 3, 0],
        ['2026-03-03', 0, 2, 0, 1],
      ]
    )
    assert.deepEqual(
      metrics.perAgent.map((a) => [a.fullName, a.sent]),
      [
        ['Ana Agente', 3],
        ['Beto Agente', 1],
      ]
    )
    // Those closed days were counted once into the roll-up; a second read comes from it.
    const counted = await db.from('dashboard_volume_days').where('timezone', TZ).count('* as n')
    assert.equal(Number(counted[0].n), 2)
    const again = await dashboardMetrics.forRange(team, rangeOf())
    assert.deepEqual(again.perDay, metrics.perDay)
    assert.deepEqual(again.perConnection, metrics.perConnection)

    // A history import stores a message on a counted day: that day is counted again.
    const [late] = await db
      .table('messages')
      .insert({
        conversation_id: f.K2,
        connection_id: f.L1,
        direction: 'in',
        kind: 'text',
        body: 'importado',
        historical: true,
        created_at: new Date('2026-03-02T20:00:00Z'),
      })
      .returning('id')
    await dashboardVolumeRollup.invalidate(Number(late.id))
    const recounted = await dashboardMetrics.forRange(team, rangeOf())
    assert.equal(recounted.perDay[0].received, 5)
    assert.equal(recounted.perDay[1].sent, 2)

    // In UTC K4 would fall on March 3rd: the time zone matters.
    const utc = await dashboardMetrics.forRange(
      { kind: 'team', timezone: 'UTC' },
      dashboardRange(
        { from: new Date('2026-03-02T12:00:00'), to: new Date('2026-03-03T12:00:00') },
        'UTC'
      )!
    )
    assert.deepEqual(
      utc.perDay.map((d) => d.opened),
      [2, 1]
    )

    const ana: DashboardScope = { kind: 'own', userId: f.ana.id, timezone: TZ }
    const own = await dashboardMetrics.forRange(ana, rangeOf())
    assert.equal(own.opened, 2)
    assert.deepEqual(own.firstResponse, { count: 2, avgSeconds: 900, medianSeconds: 900 })
    assert.deepEqual(
      own.perConnection.map((c) => [c.name, c.received, c.sent]),
      // 3 customer messages in her chats plus the imported one; never Soporte's.
      [['Ventas', 4, 3]]
    )
    assert.deepEqual(await dashboardSnapshot.trays(ana), {
      new: 0,
      pending: 0,
      in_progress: 1,
      resolved: 1,
      unassigned: 0,
      pendingMessages: 2,
      waitingChats: 1,
    })
    assert.deepEqual(await dashboardSnapshot.contacts(ana), { unique: 2, newToday: 0 })
  })

  test('an agent sees only their own numbers', async ({ client, assert }) => {
    const f = await dashboardFixture()
    const page = await client.get('/dashboard').qs(RANGE).loginAs(f.ana)
    page.assertStatus(200)
    const html = page.text()
    assert.include(html, 'Tus números')
    assert.notInclude(html, 'data-live-channel="dashboard"')
    assert.notInclude(html, 'dashboard-connections')
    assert.isNull(figure(html, 'unassigned'))
    assert.equal(figure(html, 'tray-new'), '0')
    assert.equal(figure(html, 'tray-in_progress'), '1')
    assert.equal(figure(html, 'tray-pending'), '0')
    assert.equal(figure(html, 'pending-messages'), '2')
    assert.equal(figure(html, 'sent-today'), '1')
    assert.equal(figure(html, 'received-today'), '0')
    assert.equal(figure(html, 'unique-contacts'), '2')
    assert.equal(figure(html, 'opened'), '2')
    assert.equal(figure(html, 'first-response'), '15 min')
    // Nothing of Beto's: not his name, not his chats, not Soporte's traffic.
    assert.notInclude(html, 'Beto Agente')
    assert.notInclude(html, 'Soporte')
    assert.isNull(row(html, `data-user-id="${f.beto.id}"`))
    // Pending per agent: her 2 messages in 1 chat; load: 1 open chat.
    assert.deepEqual(row(html, `data-user-id="${f.ana.id}"`), ['Ana Agente', '2', '1'])
    const load = html.slice(html.indexOf('data-test="agent-load"'))
    assert.deepEqual(row(load, `data-user-id="${f.ana.id}"`)?.slice(-2), ['1', '2'])

    const beto = (await client.get('/dashboard').qs(RANGE).loginAs(f.beto)).text()
    assert.equal(figure(beto, 'tray-pending'), '1')
    assert.equal(figure(beto, 'pending-messages'), '3')
    assert.equal(figure(beto, 'opened'), '1')
    assert.equal(figure(beto, 'first-response'), '50 min')
    assert.notInclude(beto, 'Ana Agente')
  })

  test('fragments answer htmx; opened directly they lead to the page', async ({
    client,
    assert,
  }) => {
    const f = await dashboardFixture()
    const workload = await client
      .get('/dashboard/workload')
      .header('HX-Request', 'true')
      .loginAs(f.supervisor)
    workload.assertStatus(200)
    assert.notInclude(workload.text(), '<html')
    assert.equal(figure(workload.text(), 'pending-messages'), '6')

    const metrics = await client
      .get('/dashboard/metrics')
      .qs(RANGE)
      .header('HX-Request', 'true')
      .loginAs(f.supervisor)
    metrics.assertHeader('hx-replace-url', `/dashboard?from=${RANGE.from}&to=${RANGE.to}`)
    assert.equal(figure(metrics.text(), 'opened'), '3')

    const connections = await client
      .get('/dashboard/connections')
      .header('HX-Request', 'true')
      .loginAs(f.ana)
    assert.notInclude(connections.text(), 'Ventas')

    // Names reach the charts' JSON and the tables: neither can break out of its markup.
    await db.from('connections').where('id', f.L1).update({ name: 'Ventas </script><img src=x>' })
    const hostile = await client
      .get('/dashboard/metrics')
      .qs(RANGE)
      .header('HX-Request', 'true')
      .loginAs(f.supervisor)
    assert.notInclude(hostile.text(), '</script><img')
    assert.include(hostile.text(), 'Ventas \\u003c/script>\\u003cimg src=x>')
    assert.include(hostile.text(), 'Ventas &lt;/script&gt;&lt;img src=x&gt;')

    const direct = await client.get('/dashboard/metrics').qs(RANGE).redirects(0).loginAs(f.admin)
    direct.assertStatus(302)
    direct.assertHeader('location', `/dashboard?from=${RANGE.from}&to=${RANGE.to}`)
    const unknown = await client.get('/dashboard/secrets').loginAs(f.admin)
    unknown.assertStatus(404)
  })

  test('a bad or too long range is refused with a translated message', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const reversed = await client
      .get('/dashboard')
      .qs({ from: '2026-03-10', to: '2026-03-01' })
      .loginAs(admin)
    reversed.assertStatus(200)
    assert.include(reversed.text(), 'La fecha hasta no puede ser anterior a la fecha desde.')
    assert.isNull(figure(reversed.text(), 'opened'))

    const long = await client
      .get('/dashboard/metrics')
      .qs({ from: '2026-01-01', to: '2026-06-30' })
      .header('HX-Request', 'true')
      .loginAs(admin)
    assert.include(long.text(), 'El período no puede superar 92 días')
    assert.isNull(long.header('hx-replace-url') ?? null)

    const english = await createUser('admin', { locale: 'en' })
    const bad = await client.get('/dashboard').qs({ from: 'yesterday' }).loginAs(english)
    assert.include(bad.text(), 'must be a valid date')
    const tooLong = await client
      .get('/dashboard')
      .qs({ from: '2025-01-01', to: '2026-01-01' })
      .loginAs(english)
    assert.include(tooLong.text(), 'The period cannot be longer than 92 days')

    // Without a range: the last 7 days up to today.
    const plain = await client.get('/dashboard').loginAs(admin)
    assert.equal(figure(plain.text(), 'opened'), '0')
    assert.lengthOf([...plain.text().matchAll(/<tr data-day=/g)], 7)
  })

  test('Chart.js is served by the app from node_modules, the charts script too', async ({
    client,
    assert,
  }) => {
    const chart = await client.get('/vendor/chart.umd.min.js')
    chart.assertStatus(200)
    assert.include(chart.text(), 'Chart')
    assert.include(chart.header('content-type'), 'javascript')
    const ours = await client.get('/vendor/dashboard.js')
    ours.assertStatus(200)
    assert.include(ours.text(), 'dashboard-chart-data')
  })

  test('dashboard channel: admins and supervisors are accepted, an agent is refused', async ({
    assert,
  }) => {
    for (const [role, status] of [
      ['admin', 204],
      ['supervisor', 204],
      ['agent', 400],
    ] as const) {
      const user = await createUser(role)
      const session = await LiveSession.start({ email: user.email, password: 'secret-pass' })
      const stream = await session.openStream()
      assert.equal((await session.subscribe(stream.uid, 'dashboard')).status, status, role)
      stream.close()
    }
  })

  test('a received message signals dashboard.changed to the team and to the chat agent', async ({
    assert,
    cleanup,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection()
    const first = await receive(connection, { waId: '593990000001' })
    await db
      .from('conversations')
      .where('id', first.conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })

    const team = await LiveSession.start({ email: supervisor.email, password: 'secret-pass' })
    const teamStream = await team.openStream()
    cleanup(() => teamStream.close())
    assert.equal((await team.subscribe(teamStream.uid, 'dashboard')).status, 204)
    const own = await LiveSession.start({ email: agent.email, password: 'secret-pass' })
    const ownStream = await own.openStream()
    cleanup(() => ownStream.close())
    assert.equal((await own.subscribe(ownStream.uid, `users/${agent.id}`)).status, 204)

    // Wait out the throttle window of the first message's signal.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await receive(connection, { waId: '593990000001', body: 'otra vez' })
    // Logging in also moved the agent's availability (an `agents` signal): look for the chats'.
    const isDashboardSignal = (frame: { payload: any }) =>
      frame.payload?.type === 'dashboard.changed' && frame.payload?.id === 'conversations'
    const toTeam = await teamStream.waitFor(
      (frame) => frame.channel === 'dashboard' && isDashboardSignal(frame)
    )
    assert.deepEqual(toTeam.at(-1)!.payload, { type: 'dashboard.changed', id: 'conversations' })
    const toAgent = await ownStream.waitFor(
      (frame) => frame.channel === `users/${agent.id}` && isDashboardSignal(frame)
    )
    assert.deepEqual(toAgent.at(-1)!.payload, { type: 'dashboard.changed', id: 'conversations' })
  }).timeout(20000)
})
