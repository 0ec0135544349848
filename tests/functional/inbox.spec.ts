import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import Conversation from '#models/conversation'
import Message from '#models/message'
import outbound from '#channels/outbound_service'
import ingest from '#channels/ingest_service'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

let phone = 593991000000

/** A customer writes in; the chat is assigned to `agent` when given. */
async function chat(
  options: {
    agent?: User | null
    name?: string
    body?: string
    connection?: Awaited<ReturnType<typeof createConnection>>
  } = {}
) {
  const connection = options.connection ?? (await createConnection())
  phone += 1
  const result = await receive(connection, {
    waId: String(phone),
    name: options.name ?? `Cliente ${phone}`,
    ...(options.body ? { body: options.body } : {}),
  })
  if (options.agent) {
    await db
      .from('conversations')
      .where('id', result.conversationId)
      .update({ assigned_user_id: options.agent.id, state: 'pending' })
  }
  return { connection, conversationId: result.conversationId, messageId: result.messageId! }
}

async function messagesOf(conversationId: number) {
  return Message.query().where('conversation_id', conversationId).orderBy('id')
}

test.group('Inbox: access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('admins and supervisors see every chat; agents only theirs', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const other = await createUser('agent')
    await chat({ agent, name: 'Cliente Propio' })
    await chat({ agent: other, name: 'Cliente Ajeno' })
    await chat({ name: 'Cliente Sin Asignar' })

    for (const user of [admin, supervisor]) {
      const html = (await client.get('/inbox').loginAs(user)).text()
      assert.include(html, 'Cliente Propio')
      assert.include(html, 'Cliente Ajeno')
      assert.include(html, 'Cliente Sin Asignar')
    }
    const response = await client.get('/inbox').loginAs(agent)
    response.assertStatus(200)
    assert.include(response.text(), 'Cliente Propio')
    assert.notInclude(response.text(), 'Cliente Ajeno')
    assert.notInclude(response.text(), 'Cliente Sin Asignar')
  })

  test('without a session every inbox route goes to /login', async ({ client }) => {
    await createUser('admin')
    const { conversationId, messageId } = await chat()
    const routes: [string, string][] = [
      ['get', '/inbox'],
      ['get', '/inbox/pending'],
      ['get', `/inbox/conversations/${conversationId}`],
      ['get', `/inbox/conversations/${conversationId}/messages`],
      ['post', `/inbox/conversations/${conversationId}/messages`],
      ['get', `/inbox/messages/${messageId}`],
      ['put', `/conversations/${conversationId}/assignment`],
      ['post', `/conversations/${conversationId}/resolution`],
      ['delete', `/conversations/${conversationId}/resolution`],
      ['post', `/messages/${messageId}/retry`],
    ]
    for (const [method, url] of routes) {
      const response = await (client as any)[method](url).withCsrfToken().redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test('a role without chat permissions is refused and has no Chats entry', async ({
    client,
    assert,
  }) => {
    const { createCustomRole } = await import('#tests/helpers/roles')
    await createCustomRole('auditor', ['audit.view'])
    const auditor = await createUser('auditor')
    const response = await client.get('/inbox').loginAs(auditor)
    response.assertStatus(403)
    assert.notInclude((await client.get('/').loginAs(auditor)).text(), 'href="/inbox"')
    const agent = await createUser('agent')
    assert.include((await client.get('/').loginAs(agent)).text(), 'href="/inbox"')
  })

  test("an agent cannot open, read, reply to, resolve, assign or retry another agent's chat", async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const owner = await createUser('agent')
    const { conversationId, messageId } = await chat({ agent: owner, name: 'Secreto' })
    const sent = await outbound.submit({
      conversationId,
      authorUserId: owner.id,
      kind: 'text',
      body: 'respuesta',
      clientId: 'x1',
    })
    await db
      .from('messages')
      .where('id', sent.message.id)
      .update({ status: 'failed', failure_reason: 'boom' })

    const attempts = [
      client.get(`/inbox/conversations/${conversationId}`),
      client.get(`/inbox/conversations/${conversationId}/messages`),
      client.get(`/inbox/messages/${messageId}`),
      client
        .post(`/inbox/conversations/${conversationId}/messages`)
        .form({ body: 'intruso', clientId: 'c-1' }),
      client.post(`/conversations/${conversationId}/resolution`),
      client.delete(`/conversations/${conversationId}/resolution`),
      client.put(`/conversations/${conversationId}/assignment`).form({ userId: agent.id }),
      client.post(`/messages/${sent.message.id}/retry`),
    ]
    for (const request of attempts) {
      const response = await request.withCsrfToken().loginAs(agent).redirects(0)
      assert.include([403, 404], response.status())
      assert.notInclude(response.text(), 'Secreto')
    }
    const conversation = await Conversation.findOrFail(conversationId)
    assert.equal(conversation.assignedUserId, owner.id)
    assert.notEqual(conversation.state, 'resolved')
    assert.lengthOf(await messagesOf(conversationId), 2)
    assert.equal((await Message.findOrFail(sent.message.id)).status, 'failed')
  })
})

test.group('Inbox: chat list', (group) => {
  group.each.setup(() => resetDatabase())

  test('rows show name, preview, agent, unread and pending counts; trays count', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const { connection, conversationId } = await chat({
      agent,
      name: 'María Cliente',
      body: 'Necesito ayuda',
    })
    await receive(connection, { waId: String(phone), name: 'María Cliente', body: 'Hola??' })
    await chat({ name: 'Otro Cliente' })

    const html = (await client.get('/inbox').loginAs(admin)).text()
    assert.include(html, `id="chat-row-${conversationId}"`)
    assert.include(html, 'María Cliente')
    assert.include(html, 'Hola??')
    assert.include(html, 'Pedro Agente')
    assert.include(html, 'data-unread="2"')
    assert.match(html, /<span class="chat-row__unread"[^>]*>2<\/span>/)
    assert.include(html, '2 por responder')
    assert.match(html, /data-tray="new">\s*Nuevos <span class="tray__count">1<\/span>/)
    assert.match(html, /data-tray="pending">\s*Pendientes <span class="tray__count">1<\/span>/)
    assert.include(html, 'data-live-channel="supervisors"')
  })

  test('search by name fragment and by phone fragment, as an htmx fragment', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await chat({ name: 'José Pérez' })
    await chat({ name: 'Lucía Torres' })
    const byName = await client.get('/inbox?q=jose').header('HX-Request', 'true').loginAs(admin)
    assert.include(byName.text(), 'José Pérez')
    assert.notInclude(byName.text(), 'Lucía Torres')
    assert.notInclude(byName.text(), '<html')
    assert.include(byName.text(), 'id="chat-list"')

    const byPhone = await client
      .get(`/inbox?q=${encodeURIComponent(`99 ${String(phone).slice(-7)}`)}`)
      .header('HX-Request', 'true')
      .loginAs(admin)
    assert.include(byPhone.text(), 'Lucía Torres')
    assert.notInclude(byPhone.text(), 'José Pérez')
  })

  test('filters by state, agent, tag and connection', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const first = await chat({ agent, name: 'Con Agente' })
    const second = await chat({ name: 'Sin Agente' })
    const [tag] = await db
      .table('tags')
      .insert({
        name: 'VIP',
        color: '#ff0000',
        is_active: true,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await db
      .table('conversation_tags')
      .insert({ conversation_id: second.conversationId, tag_id: tag.id, created_at: new Date() })

    const get = async (qs: string) =>
      (await client.get(`/inbox?${qs}`).header('HX-Request', 'true').loginAs(admin)).text()
    let html = await get('state=pending')
    assert.include(html, 'Con Agente')
    assert.notInclude(html, 'Sin Agente')
    html = await get(`agent=${agent.id}`)
    assert.include(html, 'Con Agente')
    assert.notInclude(html, 'Sin Agente')
    html = await get('agent=none')
    assert.include(html, 'Sin Agente')
    assert.notInclude(html, 'Con Agente')
    html = await get(`tag=${tag.id}`)
    assert.include(html, 'Sin Agente')
    assert.include(html, 'VIP')
    assert.notInclude(html, 'Con Agente')
    const [department] = await db
      .table('departments')
      .insert({
        name: 'Cobranzas',
        is_active: true,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await db
      .from('conversations')
      .where('id', first.conversationId)
      .update({ department_id: department.id })
    html = await get(`department=${department.id}`)
    assert.include(html, 'Con Agente')
    assert.notInclude(html, 'Sin Agente')
    html = await get(`connection=${first.connection.id}`)
    assert.include(html, 'Con Agente')
    assert.notInclude(html, 'Sin Agente')
  })

  test('an agent cannot widen the list with the agent filter', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const other = await createUser('agent')
    await chat({ agent: other, name: 'De Otro' })
    const html = (await client.get(`/inbox?agent=${other.id}`).loginAs(agent)).text()
    assert.notInclude(html, 'De Otro')
    assert.notInclude(html, 'id="inbox-agent"')
  })

  test('keyset pagination: "load more" brings the next rows', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const connection = await createConnection()
    for (let i = 0; i < 32; i++)
      await chat({ connection, name: `Persona ${String(i).padStart(2, '0')}` })
    const first = (await client.get('/inbox').loginAs(admin)).text()
    assert.include(first, 'Persona 31')
    assert.notInclude(first, 'Persona 01')
    const more = /hx-get="\/inbox\?(cursor=[^"]+)"/.exec(first)
    assert.isNotNull(more)
    const next = (
      await client
        .get(`/inbox?${more![1].replaceAll('&amp;', '&')}`)
        .header('HX-Request', 'true')
        .loginAs(admin)
    ).text()
    assert.include(next, 'Persona 01')
    assert.include(next, 'Persona 00')
    assert.notInclude(next, 'Persona 31')
    assert.notInclude(next, 'id="chat-list"')
  })

  test('the header shows the pending-to-answer total of visible chats', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection } = await chat({ agent })
    await receive(connection, { waId: String(phone) })
    await chat({ name: 'No suyo' })
    const html = (await client.get('/inbox/pending').loginAs(agent)).text()
    assert.include(html, 'data-pending="2"')
    const admin = await createUser('admin')
    assert.include((await client.get('/').loginAs(admin)).text(), 'data-pending="3"')
  })
})

test.group('Inbox: conversation', (group) => {
  group.each.setup(() => resetDatabase())

  test('opening a chat shows its history with ticks and marks it read', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const { conversationId } = await chat({ agent, name: 'María', body: 'Primera pregunta' })
    const statuses = ['queued', 'sent', 'delivered', 'read', 'failed'] as const
    for (const [index, status] of statuses.entries()) {
      const { message } = await outbound.submit({
        conversationId,
        authorUserId: agent.id,
        kind: 'text',
        body: `respuesta ${status}`,
        clientId: `s${index}`,
      })
      await db
        .from('messages')
        .where('id', message.id)
        .update({ status, failure_reason: status === 'failed' ? 'Número no válido' : null })
    }
    assert.equal((await Conversation.findOrFail(conversationId)).unreadCount, 1)

    const response = await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Primera pregunta')
    assert.isBelow(html.indexOf('Primera pregunta'), html.indexOf('respuesta queued'))
    assert.include(html, 'Pedro Agente')
    for (const status of statuses) assert.include(html, `data-status="${status}"`)
    assert.include(html, 'Número no válido')
    assert.match(html, /action="\/messages\/\d+\/retry"/)
    assert.include(html, `data-live-channel="conversations/${conversationId}"`)
    assert.equal((await Conversation.findOrFail(conversationId)).unreadCount, 0)
  })

  test('message text is escaped: a script in a body renders inert', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const { conversationId } = await chat({
      body: '<script>alert("x")</script><img src=x onerror=alert(1)>',
    })
    const html = (await client.get(`/inbox/conversations/${conversationId}`).loginAs(admin)).text()
    assert.notInclude(html, '<script>alert')
    assert.notInclude(html, '<img src=x')
    assert.include(html, '&lt;script&gt;alert(')
  })

  test('older messages come by keyset pages', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const { connection, conversationId } = await chat({ body: 'mensaje 00' })
    const base = Date.now() - 3600_000
    for (let i = 1; i < 35; i++) {
      await receive(connection, {
        waId: String(phone),
        body: `mensaje ${String(i).padStart(2, '0')}`,
        at: new Date(base + i * 1000),
      })
    }
    await db
      .from('messages')
      .where('body', 'mensaje 00')
      .update({ created_at: new Date(base) })
    const html = (await client.get(`/inbox/conversations/${conversationId}`).loginAs(admin)).text()
    assert.include(html, 'mensaje 34')
    assert.notInclude(html, 'mensaje 04')
    const older = /hx-get="(\/inbox\/conversations\/\d+\/messages\?before=[^"]+)"/.exec(html)
    assert.isNotNull(older)
    const page = (await client.get(older![1]).header('HX-Request', 'true').loginAs(admin)).text()
    assert.include(page, 'mensaje 00')
    assert.include(page, 'mensaje 04')
    assert.notInclude(page, 'mensaje 34')
  })
})

test.group('Inbox: composer', (group) => {
  group.each.setup(() => resetDatabase())

  test('a text is queued with its outbox row and the composer comes back empty', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const response = await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .header('HX-Request', 'true')
      .form({ body: 'Buenos días', clientId: 'c0ffee-1', mode: 'text' })
      .withCsrfToken()
      .loginAs(agent)
    response.assertStatus(200)
    response.assertHeader('hx-trigger', 'inbox:sent')
    assert.include(response.text(), 'id="composer"')
    assert.notInclude(response.text(), 'Buenos días')
    const [, message] = await messagesOf(conversationId)
    assert.equal(message.body, 'Buenos días')
    assert.equal(message.status, 'queued')
    assert.equal(message.authorUserId, agent.id)
    assert.exists(await db.from('outbox').where('message_id', message.id).first())
    assert.equal((await Conversation.findOrFail(conversationId)).state, 'in_progress')
  })

  test('the same client id twice (double click, retried POST) stores one message', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const send = () =>
      client
        .post(`/inbox/conversations/${conversationId}/messages`)
        .header('HX-Request', 'true')
        .form({ body: 'Una sola vez', clientId: 'same-key' })
        .withCsrfToken()
        .loginAs(agent)
    const responses = await Promise.all([send(), send()])
    for (const response of responses) response.assertStatus(200)
    assert.lengthOf(
      (await messagesOf(conversationId)).filter((m) => m.body === 'Una sola vez'),
      1
    )
    assert.lengthOf(await db.from('outbox'), 1)
  })

  test('a private note is stored but never reaches the outbox', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .header('HX-Request', 'true')
      .form({ body: 'Cliente difícil', clientId: 'n1', mode: 'note' })
      .withCsrfToken()
      .loginAs(agent)
    const note = (await messagesOf(conversationId)).find((m) => m.kind === 'note')!
    assert.equal(note.body, 'Cliente difícil')
    assert.isNull(note.status)
    assert.lengthOf(await db.from('outbox'), 0)
    const html = (await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).text()
    assert.include(html, 'message--note')
    assert.include(html, 'Nota privada (solo la ve el equipo)')
  })

  test('links are refused with a translated message, the text kept and nothing saved', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    for (const body of ['mira https://example.com', 'http://x.io', 'entra a www.banco.com ya']) {
      const response = await client
        .post(`/inbox/conversations/${conversationId}/messages`)
        .header('HX-Request', 'true')
        .form({ body, clientId: `l-${body.length}` })
        .withCsrfToken()
        .loginAs(agent)
      response.assertStatus(422)
      assert.include(response.text(), 'No se permiten enlaces en los mensajes.')
      assert.include(response.text(), body)
    }
    const english = await createUser('agent', { locale: 'en' })
    await db
      .from('conversations')
      .where('id', conversationId)
      .update({ assigned_user_id: english.id })
    const response = await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .header('HX-Request', 'true')
      .form({ body: 'see https://example.com' })
      .withCsrfToken()
      .loginAs(english)
    assert.include(response.text(), 'Links are not allowed in messages.')
    assert.lengthOf(await messagesOf(conversationId), 1)
    assert.lengthOf(await db.from('outbox'), 0)
  })

  test('without htmx a refused link comes back through the session, text kept', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const url = `/inbox/conversations/${conversationId}`
    const response = await client
      .post(`${url}/messages`)
      .header('referer', url)
      .form({ body: 'ver https://x.io', clientId: 'nojs-1' })
      .withCsrfToken()
      .loginAs(agent)
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', url)
    response.assertFlashMessage('inputErrorsBag', {
      body: [
        'No se permiten enlaces en los mensajes. Quita la dirección web (http://, https:// o www.) e intenta de nuevo.',
      ],
    })
    assert.lengthOf(await messagesOf(conversationId), 1)
  })

  test('an empty message is refused; without htmx a send redirects back to the chat', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const empty = await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .header('HX-Request', 'true')
      .form({ body: '   ' })
      .withCsrfToken()
      .loginAs(agent)
    empty.assertStatus(422)
    assert.include(empty.text(), 'Escribe un mensaje antes de enviarlo.')
    const plain = await client
      .post(`/inbox/conversations/${conversationId}/messages`)
      .form({ body: 'sin js', clientId: 'p1' })
      .withCsrfToken()
      .loginAs(agent)
      .redirects(0)
    plain.assertStatus(302)
    plain.assertHeader('location', `/inbox/conversations/${conversationId}`)
    assert.lengthOf(await messagesOf(conversationId), 2)
  })
})

test.group('Inbox: assignment, resolution, retry', (group) => {
  group.each.setup(() => resetDatabase())

  test('a supervisor assigns from the dropdown; the change is audited', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const { conversationId } = await chat()
    const page = (
      await client.get(`/inbox/conversations/${conversationId}`).loginAs(supervisor)
    ).text()
    assert.include(page, `id="assign-${conversationId}"`)
    assert.include(page, `<option value="${agent.id}"`)

    const response = await client
      .put(`/conversations/${conversationId}/assignment`)
      .header('HX-Request', 'true')
      .form({ userId: agent.id })
      .withCsrfToken()
      .loginAs(supervisor)
    response.assertStatus(200)
    assert.include(response.text(), 'Pendientes')
    const conversation = await Conversation.findOrFail(conversationId)
    assert.equal(conversation.assignedUserId, agent.id)
    assert.equal(conversation.state, 'pending')
    const [entry] = await auditEntries('conversation.assign')
    assert.equal(entry.actor_id, supervisor.id)
    assert.deepEqual(entry.after, { assignedUserId: agent.id, state: 'pending' })
    // Now the agent sees it.
    ;(await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).assertStatus(200)
  })

  test('an agent (no chats.assign) gets no dropdown and cannot assign their own chat', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const other = await createUser('agent')
    const { conversationId } = await chat({ agent })
    assert.notInclude(
      (await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).text(),
      `id="assign-${conversationId}"`
    )
    const response = await client
      .put(`/conversations/${conversationId}/assignment`)
      .form({ userId: other.id })
      .withCsrfToken()
      .loginAs(agent)
    response.assertStatus(403)
    assert.equal((await Conversation.findOrFail(conversationId)).assignedUserId, agent.id)
    assert.lengthOf(await auditEntries('conversation.assign'), 0)
  })

  test('assigning to a user who cannot hold chats is refused', async ({ client, assert }) => {
    const { createCustomRole } = await import('#tests/helpers/roles')
    await createCustomRole('auditor', ['audit.view'])
    const auditor = await createUser('auditor')
    const admin = await createUser('admin')
    const { conversationId } = await chat()
    await client
      .put(`/conversations/${conversationId}/assignment`)
      .form({ userId: auditor.id })
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    assert.isNull((await Conversation.findOrFail(conversationId)).assignedUserId)
  })

  test('the assigned agent resolves and reopens the chat', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const resolved = await client
      .post(`/conversations/${conversationId}/resolution`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(agent)
    resolved.assertStatus(200)
    assert.include(resolved.text(), 'Reabrir')
    assert.equal((await Conversation.findOrFail(conversationId)).state, 'resolved')
    const reopened = await client
      .delete(`/conversations/${conversationId}/resolution`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(agent)
    reopened.assertStatus(200)
    assert.include(reopened.text(), 'Resolver')
    assert.equal((await Conversation.findOrFail(conversationId)).state, 'pending')
    assert.lengthOf(await auditEntries('conversation.resolve'), 1)
    assert.lengthOf(await auditEntries('conversation.reopen'), 1)
  })

  test('reopening is refused while the customer has a newer open chat', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, conversationId } = await chat({ agent })
    await client
      .post(`/conversations/${conversationId}/resolution`)
      .withCsrfToken()
      .loginAs(agent)
      .redirects(0)
    const newer = await receive(connection, { waId: String(phone), body: 'otra vez' })
    assert.notEqual(newer.conversationId, conversationId)
    const response = await client
      .delete(`/conversations/${conversationId}/resolution`)
      .header('referer', `/inbox/conversations/${conversationId}`)
      .withCsrfToken()
      .loginAs(agent)
      .redirects(0)
    response.assertFlashMessage(
      'error',
      'El cliente tiene otro chat abierto en esta línea: continúa allí.'
    )
    assert.equal((await Conversation.findOrFail(conversationId)).state, 'resolved')
  })

  test('a failed message is sent again with Retry', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      kind: 'text',
      body: 'reintentar',
      clientId: 'r1',
    })
    await db
      .from('messages')
      .where('id', message.id)
      .update({ status: 'failed', failure_reason: 'Sin conexión' })
    await db.from('outbox').where('message_id', message.id).update({ state: 'dead' })

    const response = await client
      .post(`/messages/${message.id}/retry`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(agent)
    response.assertStatus(200)
    assert.include(response.text(), 'data-status="queued"')
    assert.notInclude(response.text(), 'Sin conexión')
    assert.equal((await Message.findOrFail(message.id)).status, 'queued')
    assert.equal(
      (await db.from('outbox').where('message_id', message.id).firstOrFail()).state,
      'pending'
    )
    assert.lengthOf(await auditEntries('message.retry'), 1)
  })

  test('a single message fragment renders for its live status refetch', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { conversationId } = await chat({ agent })
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      kind: 'text',
      body: 'tick',
      clientId: 't1',
    })
    await db.from('messages').where('id', message.id).update({ status: 'delivered' })
    const html = (await client.get(`/inbox/messages/${message.id}`).loginAs(agent)).text()
    assert.include(html, `id="message-${message.id}"`)
    assert.include(html, 'data-status="delivered"')
    assert.include(html, `live:message.status[detail.id==${message.id}]`)
  })

  test('an edited message shows its earlier text, a deleted one is marked; both refetch live', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, messageId } = await chat({ agent, body: 'Pago el lunes' })
    const externalId = (await Message.findOrFail(messageId)).externalId!
    const html = async () =>
      (await client.get(`/inbox/messages/${messageId}`).loginAs(agent)).text()
    assert.include(await html(), `live:message.updated[detail.id==${messageId}]`)

    await ingest.revision(connection.id, {
      externalId,
      body: 'Pago el <b>martes</b>',
      at: new Date(),
    })
    const edited = await html()
    assert.include(edited, 'Pago el &lt;b&gt;martes&lt;/b&gt;')
    assert.include(edited, 'Editado — texto anterior')
    assert.include(edited, 'Pago el lunes')

    await ingest.revision(connection.id, { externalId, revoked: true, at: new Date() })
    const revoked = await html()
    assert.include(revoked, 'message--revoked')
    assert.include(revoked, 'Eliminado por quien lo envió')
    // The chat list no longer shows the deleted newest message's text.
    const list = (await client.get('/inbox').loginAs(agent)).text()
    assert.include(list, '🚫 Mensaje eliminado')
    assert.notInclude(list, 'Pago el &lt;b&gt;martes&lt;/b&gt;')
  })

  test("a reply written on the phone itself says so; an agent's reply shows the agent", async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const { connection, conversationId } = await chat({ agent })
    const fromPhone = await receive(connection, {
      waId: String(phone),
      direction: 'out',
      body: 'Contesto desde el celular',
    })
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: agent.id,
      kind: 'text',
      body: 'Y yo desde Chasqui',
      clientId: 'p1',
    })
    const phoneHtml = (
      await client.get(`/inbox/messages/${fromPhone.messageId}`).loginAs(agent)
    ).text()
    assert.include(phoneHtml, 'Enviado desde el teléfono')
    const agentHtml = (await client.get(`/inbox/messages/${message.id}`).loginAs(agent)).text()
    assert.notInclude(agentHtml, 'Enviado desde el teléfono')
    assert.include(agentHtml, agent.fullName)
  })
})
