import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { goOnline, nextWaId, servedBy } from '#tests/helpers/routing_fixtures'
import { auditEntries } from '#tests/helpers/roles'

/*
| Routing pages and availability, per role: /presence for anyone who holds
| chats, /routing for rules.manage (admins), the idle limit for
| settings.manage too (never supervisors, R-US-3), the assignment history
| as the conversation itself.
*/

async function presenceOf(userId: number) {
  const row = await db.from('agent_presence').where('user_id', userId).first()
  return row?.status ?? 'offline'
}

test.group('Availability (/presence)', (group) => {
  group.each.setup(() => resetDatabase())

  test('each role that holds chats sees and sets its own availability', async ({
    client,
    assert,
  }) => {
    for (const role of ['admin', 'supervisor', 'agent']) {
      const user = await createUser(role)
      const control = await client.get('/presence').loginAs(user)
      control.assertStatus(200)
      assert.include(control.text(), 'Desconectado')

      const changed = await client
        .put('/presence')
        .withCsrfToken()
        .header('HX-Request', 'true')
        .form({ status: 'busy' })
        .loginAs(user)
      changed.assertStatus(200)
      assert.include(changed.text(), 'presence--busy')
      assert.equal(await presenceOf(user.id), 'busy')

      const beat = await client.post('/presence/heartbeat').withCsrfToken().loginAs(user)
      beat.assertStatus(204)
    }
  })

  test('an unknown status is refused and changes nothing', async ({ client, assert }) => {
    const agent = await createUser('agent')
    await goOnline(agent)
    const response = await client
      .put('/presence')
      .withCsrfToken()
      .header('referer', '/inbox')
      .form({ status: 'asleep' })
      .loginAs(agent)
      .redirects(0)
    response.assertStatus(302)
    assert.equal(await presenceOf(agent.id), 'online')
  })

  test('the header shows the control to users who hold chats', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const page = await client.get('/').loginAs(agent)
    assert.include(page.text(), 'hx-get="/presence"')
  })

  test('guests go to login', async ({ client }) => {
    await createUser('admin')
    for (const request of [
      client.get('/presence'),
      client.put('/presence').withCsrfToken().form({ status: 'online' }),
      client.post('/presence/heartbeat').withCsrfToken(),
    ]) {
      const response = await request.redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test('logging in makes the agent available, logging out offline', async ({ client, assert }) => {
    const agent = await createUser('agent', { email: 'ana@example.com', password: 'secret-pass' })
    const login = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: 'ana@example.com', password: 'secret-pass' })
      .redirects(0)
    login.assertStatus(302)
    assert.equal(await presenceOf(agent.id), 'online')

    const logout = await client.post('/logout').withCsrfToken().loginAs(agent).redirects(0)
    logout.assertStatus(302)
    assert.equal(await presenceOf(agent.id), 'offline')
  })
})

test.group('Routing pages (/routing)', (group) => {
  group.each.setup(() => resetDatabase())

  test('admins see the overview and edit a connection’s rules', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const connection = await createConnection({ name: 'Línea Cobranza' })

    const overview = await client.get('/routing').loginAs(admin)
    overview.assertStatus(200)
    assert.include(overview.text(), 'Línea Cobranza')

    const form = await client.get(`/routing/connections/${connection.id}`).loginAs(admin)
    form.assertStatus(200)
    assert.include(form.text(), agent.fullName)

    const saved = await client
      .put(`/routing/connections/${connection.id}`)
      .withCsrfToken()
      .form({
        'autoAssign': '1',
        'responsibleFirst': '1',
        'maxOpenPerAgent': '3',
        'knownClientsOnly': '1',
        'unknownSenderMessage': 'No lo encontramos; llame al 1800-000',
        'unownedAgentIds[]': [String(agent.id)],
      })
      .loginAs(admin)
      .redirects(0)
    saved.assertStatus(302)
    const rule = await db.from('routing_rules').where('connection_id', connection.id).first()
    assert.equal(rule.max_open_per_agent, 3)
    assert.isFalse(rule.fallback_to_pool)
    const row = await db.from('connections').where('id', connection.id).first()
    assert.isTrue(row.known_clients_only)
    assert.equal(row.unknown_sender_message, 'No lo encontramos; llame al 1800-000')
    const bucket = await db.from('routing_unowned_agents').where('connection_id', connection.id)
    assert.deepEqual(
      bucket.map((b) => b.user_id),
      [agent.id]
    )
    assert.lengthOf(await auditEntries('routing.rule_updated'), 1)
  })

  test('an invalid limit is refused with a translated message and changes nothing', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const connection = await createConnection()
    const response = await client
      .put(`/routing/connections/${connection.id}`)
      .withCsrfToken()
      .header('referer', `/routing/connections/${connection.id}`)
      .form({ autoAssign: '1', maxOpenPerAgent: '0' })
      .loginAs(admin)
      .redirects(0)
    response.assertStatus(302)
    assert.isNull(await db.from('routing_rules').where('connection_id', connection.id).first())
  })

  test('delegations: added, duplicates and self-delegation refused, removed', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const owner = await createUser('agent')
    const backup = await createUser('agent')
    const connection = await createConnection()
    const url = `/routing/connections/${connection.id}/delegations`

    const added = await client
      .post(url)
      .withCsrfToken()
      .form({ ownerUserId: owner.id, delegateUserId: backup.id })
      .loginAs(admin)
      .redirects(0)
    added.assertStatus(302)
    const again = await client
      .post(url)
      .withCsrfToken()
      .header('referer', `/routing/connections/${connection.id}`)
      .form({ ownerUserId: owner.id, delegateUserId: backup.id })
      .loginAs(admin)
      .redirects(0)
    again.assertFlashMessage('inputErrorsBag', { delegateUserId: ['Ese suplente ya existe.'] })
    const self = await client
      .post(url)
      .withCsrfToken()
      .header('referer', `/routing/connections/${connection.id}`)
      .form({ ownerUserId: owner.id, delegateUserId: owner.id })
      .loginAs(admin)
      .redirects(0)
    self.assertFlashMessage('inputErrorsBag', {
      delegateUserId: ['Una persona no puede ser su propio suplente.'],
    })
    const rows = await db.from('routing_delegations').where('connection_id', connection.id)
    assert.lengthOf(rows, 1)

    const page = await client.get(`/routing/connections/${connection.id}`).loginAs(admin)
    assert.include(page.text(), backup.fullName)

    const removed = await client
      .delete(`${url}/${rows[0].id}`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    removed.assertStatus(302)
    assert.lengthOf(await db.from('routing_delegations'), 0)
  })

  test('admins see agents’ availability and load and set their own limits', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent', { fullName: 'Lucía Ortega' })
    await goOnline(agent)
    const page = await client.get('/routing').loginAs(admin)
    assert.include(page.text(), 'Lucía Ortega')
    assert.include(page.text(), 'presence--online')

    const saved = await client
      .put('/routing/agents')
      .withCsrfToken()
      .form({
        'agents[0][userId]': agent.id,
        'agents[0][maxOpen]': '4',
        'agents[1][userId]': admin.id,
        'agents[1][maxOpen]': '',
      })
      .loginAs(admin)
      .redirects(0)
    saved.assertStatus(302)
    const limits = await db.from('agent_limits').orderBy('user_id')
    assert.deepEqual(
      limits.map((l) => [l.user_id, l.max_open]),
      [[agent.id, 4]]
    )
    assert.lengthOf(await auditEntries('routing.agent_limits_updated'), 1)

    const refused = await client
      .put('/routing/agents')
      .withCsrfToken()
      .header('referer', '/routing')
      .form({ 'agents[0][userId]': agent.id, 'agents[0][maxOpen]': '0' })
      .loginAs(admin)
      .redirects(0)
    refused.assertStatus(302)
    assert.equal((await db.from('agent_limits').first()).max_open, 4)
  })

  test('admins change the idle limit; supervisors cannot (global setting)', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const ok = await client
      .put('/routing/presence')
      .withCsrfToken()
      .form({ idleMinutes: 5 })
      .loginAs(admin)
      .redirects(0)
    ok.assertStatus(302)
    const refused = await client
      .put('/routing/presence')
      .withCsrfToken()
      .form({ idleMinutes: 60 })
      .loginAs(supervisor)
    refused.assertStatus(403)
    const org = await db.from('organizations').first()
    assert.equal(org.presence_idle_minutes, 5)
  })

  test('supervisors and agents are refused every routing route; guests go to login', async ({
    client,
    assert,
  }) => {
    const connection = await createConnection()
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const requests = () => [
      client.get('/routing'),
      client.get(`/routing/connections/${connection.id}`),
      client.put(`/routing/connections/${connection.id}`).withCsrfToken().form({ autoAssign: '' }),
      client
        .post(`/routing/connections/${connection.id}/delegations`)
        .withCsrfToken()
        .form({ ownerUserId: agent.id, delegateUserId: supervisor.id }),
      client.delete(`/routing/connections/${connection.id}/delegations/1`).withCsrfToken(),
      client.put('/routing/presence').withCsrfToken().form({ idleMinutes: 3 }),
      client
        .put('/routing/agents')
        .withCsrfToken()
        .form({ 'agents[0][userId]': agent.id, 'agents[0][maxOpen]': 3 }),
    ]
    for (const user of [supervisor, agent]) {
      for (const request of requests()) {
        const response = await request.loginAs(user)
        response.assertStatus(403)
      }
    }
    for (const request of requests()) {
      const response = await request.redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
    assert.isNull(await db.from('routing_rules').first())
    assert.lengthOf(await db.from('routing_delegations'), 0)
    assert.lengthOf(await db.from('agent_limits'), 0)
  })
})

test.group('Assignment history (/conversations/:id/assignment-history)', (group) => {
  group.each.setup(() => resetDatabase())

  test('shown to whoever may see the chat, with who, when and why', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const other = await createUser('agent')
    const connection = await createConnection()
    await servedBy(connection, agent)
    await goOnline(agent)
    const { conversationId } = await receive(connection, { waId: nextWaId() })
    const url = `/conversations/${conversationId}/assignment-history`

    for (const user of [admin, supervisor, agent]) {
      const response = await client.get(url).loginAs(user)
      response.assertStatus(200)
      assert.include(response.text(), `Asignado a ${agent.fullName}`)
      assert.include(response.text(), 'reparto por carga')
      assert.include(response.text(), 'por las reglas')
    }
    const refused = await client.get(url).loginAs(other)
    refused.assertStatus(403)
    const guest = await client.get(url).redirects(0)
    guest.assertHeader('location', '/login')

    const pane = await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)
    assert.include(pane.text(), url)
  })
})

test.group('Queued and unknown-sender chats', (group) => {
  group.each.setup(() => resetDatabase())

  test('stay unassigned and visible to supervisors, not to agents', async ({ client, assert }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection()
    await servedBy(connection, agent)
    await receive(connection, { waId: nextWaId(), name: 'Cliente En Cola' })
    const known = await createConnection({ knownClientsOnly: true })
    await receive(known, { waId: nextWaId(), name: 'Remitente Desconocido' })

    const list = (await client.get('/inbox').loginAs(supervisor)).text()
    assert.include(list, 'Cliente En Cola')
    assert.include(list, 'Remitente Desconocido')
    const own = (await client.get('/inbox').loginAs(agent)).text()
    assert.notInclude(own, 'Cliente En Cola')
    assert.notInclude(own, 'Remitente Desconocido')
  })
})
