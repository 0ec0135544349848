import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import type User from '#models/user'
import Tag from '#models/tag'
import Role from '#models/role'
import QuickReply from '#models/quick_reply'
import Organization from '#models/organization'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

let phone = 593992000000

/** A customer writes in; assigned to `agent` when given; with a client when `client` is given. */
async function chat(
  options: {
    agent?: User | null
    name?: string
    client?: { holder: string; balance: string; daysOverdue: number }
  } = {}
) {
  const connection = await createConnection()
  phone += 1
  const result = await receive(connection, {
    waId: String(phone),
    name: options.name ?? `Cliente ${phone}`,
  })
  if (options.agent) {
    await db
      .from('conversations')
      .where('id', result.conversationId)
      .update({ assigned_user_id: options.agent.id, state: 'pending' })
  }
  if (options.client) {
    const [client] = await db
      .table('clients')
      .insert({
        holder_name: options.client.holder,
        balance: options.client.balance,
        days_overdue: options.client.daysOverdue,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await db.from('contacts').where('id', result.contactId).update({ client_id: client.id })
  }
  return { conversationId: result.conversationId, messageId: result.messageId! }
}

function createTag(name: string, overrides: Partial<Pick<Tag, 'color' | 'isActive'>> = {}) {
  return Tag.create({ name, color: '#1f8a70', description: null, isActive: true, ...overrides })
}

async function conversationTagIds(conversationId: number) {
  const rows = await db.from('conversation_tags').where('conversation_id', conversationId)
  return rows.map((row) => Number(row.tag_id)).sort()
}

async function messageTagIds(messageId: number) {
  const rows = await db.from('message_tags').where('message_id', messageId)
  return rows.map((row) => Number(row.tag_id)).sort()
}

/** An applied tag's chip (menu options carry the id on their button, not on the tag). */
function chip(element: 'li' | 'span', tagId: number) {
  return new RegExp(`<${element} class="tag" style="[^"]*" data-tag-id="${tagId}"`)
}

/** Admin, supervisor and the chat's own agent: the three who may work a chat. */
async function workers() {
  const admin = await createUser('admin', { fullName: 'Ana Admin' })
  const supervisor = await createUser('supervisor', { fullName: 'Sara Supervisora' })
  const agent = await createUser('agent', { fullName: 'Pedro Agente' })
  const other = await createUser('agent', { fullName: 'Otro Agente' })
  return { admin, supervisor, agent, other }
}

test.group('Chat tools: quick replies in the composer', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin, supervisor and the own agent get the list filled for this chat and themselves', async ({
    client,
    assert,
  }) => {
    const { admin, supervisor, agent } = await workers()
    const { conversationId } = await chat({
      agent,
      name: 'José Pérez',
      client: { holder: 'Comercial Ñandú S.A.', balance: '1234.50', daysOverdue: 12 },
    })
    await QuickReply.create({
      shortcut: 'saludo',
      title: 'Saludo',
      body: 'Hola {{contact_name}}, soy {{agent_name}}. {{holder}} debe {{ balance }} con {{days_overdue}} días de mora.',
      isActive: true,
    })
    for (const user of [admin, supervisor, agent]) {
      const response = await client
        .get(`/inbox/conversations/${conversationId}/quick-replies?q=sal`)
        .header('HX-Request', 'true')
        .loginAs(user)
      response.assertStatus(200)
      const html = response.text()
      assert.include(
        html,
        `Hola José Pérez, soy ${user.fullName}. Comercial Ñandú S.A. debe $ 1.234,50 con 12 días de mora.`
      )
      assert.include(html, 'role="option"')
      assert.notInclude(html, 'quick-reply-option__missing')
    }
  })

  test("an agent cannot list quick replies on another agent's chat; guests go to /login", async ({
    client,
    assert,
  }) => {
    const { agent, other } = await workers()
    const { conversationId } = await chat({ agent: other, name: 'Secreto' })
    await QuickReply.create({ shortcut: 'hola', title: 'Hola', body: 'Hola', isActive: true })
    const refused = await client
      .get(`/inbox/conversations/${conversationId}/quick-replies?q=`)
      .loginAs(agent)
    assert.include([403, 404], refused.status())
    assert.notInclude(refused.text(), 'Secreto')

    const guest = await client
      .get(`/inbox/conversations/${conversationId}/quick-replies`)
      .redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })

  test('filters by the typed shortcut prefix, never lists inactive replies, names missing values', async ({
    client,
    assert,
  }) => {
    const { agent } = await workers()
    // No client: holder, balance and days overdue have no value; the contact has only a phone.
    const { conversationId } = await chat({ agent, name: '' })
    await db.from('contacts').update({ display_name: null, profile_name: null })
    await QuickReply.createMany([
      { shortcut: 'mora', title: 'Mora', body: '{{holder}} debe {{balance}}', isActive: true },
      { shortcut: 'mora_vieja', title: 'Vieja', body: 'antigua', isActive: false },
      { shortcut: 'gracias', title: 'Gracias', body: 'Gracias, {{agent_name}}', isActive: true },
    ])
    const html = (
      await client
        .get(`/inbox/conversations/${conversationId}/quick-replies?q=mo`)
        .header('HX-Request', 'true')
        .loginAs(agent)
    ).text()
    assert.include(html, '/mora')
    assert.notInclude(html, 'mora_vieja')
    assert.notInclude(html, 'gracias')
    assert.include(html, '— debe —')
    assert.include(html, 'Sin dato: titular, saldo')

    const all = (
      await client.get(`/inbox/conversations/${conversationId}/quick-replies`).loginAs(agent)
    ).text()
    assert.include(all, '/gracias')
    assert.include(all, 'Gracias, Pedro Agente')

    const none = (
      await client.get(`/inbox/conversations/${conversationId}/quick-replies?q=zzz`).loginAs(agent)
    ).text()
    assert.include(none, 'Ninguna respuesta rápida empieza por «zzz»')
  })

  test('the composer offers the `/` list only to users allowed to use quick replies', async ({
    client,
    assert,
  }) => {
    const { agent } = await workers()
    const { conversationId } = await chat({ agent })
    const page = (await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).text()
    assert.include(
      page,
      `data-quick-replies-url="/inbox/conversations/${conversationId}/quick-replies"`
    )
    assert.include(page, 'data-emoji-picker')
    assert.include(page, '/vendor/composer_tools.js')

    const role = await Role.findByOrFail('key', 'agent')
    await db
      .from('role_permissions')
      .where('role_id', role.id)
      .where('permission_key', 'quick_replies.use')
      .delete()
    const agentAgain = await (await import('#models/user')).default.findOrFail(agent.id)
    const without = (
      await client.get(`/inbox/conversations/${conversationId}`).loginAs(agentAgain)
    ).text()
    assert.notInclude(without, 'data-quick-replies-url')
    const refused = await client
      .get(`/inbox/conversations/${conversationId}/quick-replies`)
      .loginAs(agentAgain)
    refused.assertStatus(403)
  })
})

test.group('Chat tools: tagging the chat', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin, supervisor and the own agent tag and untag a chat; audited; rows show it', async ({
    client,
    assert,
  }) => {
    const { admin, supervisor, agent } = await workers()
    const { conversationId } = await chat({ agent, name: 'Cliente Etiquetado' })
    for (const user of [admin, supervisor, agent]) {
      const tag = await createTag(`Promesa ${user.id}`)
      const added = await client
        .post(`/inbox/conversations/${conversationId}/tags`)
        .form({ tagId: tag.id })
        .header('HX-Request', 'true')
        .withCsrfToken()
        .loginAs(user)
      added.assertStatus(200)
      assert.include(added.text(), `id="conversation-tags-${conversationId}"`)
      // The applied chip (not the menu option it was picked from).
      assert.match(added.text(), chip('li', tag.id))
      assert.notInclude(added.text(), `name="tagId" value="${tag.id}"`)
      assert.include(await conversationTagIds(conversationId), tag.id)

      const list = (await client.get('/inbox').header('HX-Request', 'true').loginAs(user)).text()
      assert.match(list, new RegExp(`data-tag-id="${tag.id}">Promesa ${user.id}<`))

      const removed = await client
        .delete(`/inbox/conversations/${conversationId}/tags/${tag.id}`)
        .header('HX-Request', 'true')
        .withCsrfToken()
        .loginAs(user)
      removed.assertStatus(200)
      assert.notInclude(await conversationTagIds(conversationId), tag.id)
    }
    const added = await auditEntries('conversation.tag_added')
    const removed = await auditEntries('conversation.tag_removed')
    assert.deepEqual(
      added.map((entry) => entry.actor_id),
      [admin.id, supervisor.id, agent.id]
    )
    assert.lengthOf(removed, 3)
    assert.equal(added[0].subject_type, 'conversation')
    assert.equal(added[0].subject_id, String(conversationId))
    assert.include(JSON.stringify(added[0].after), 'Promesa')
  })

  test('without JavaScript the forms redirect back to the chat', async ({ client, assert }) => {
    const { agent } = await workers()
    const { conversationId } = await chat({ agent })
    const tag = await createTag('Llamar')
    const response = await client
      .post(`/inbox/conversations/${conversationId}/tags`)
      .form({ tagId: tag.id })
      .withCsrfToken()
      .loginAs(agent)
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', `/inbox/conversations/${conversationId}`)
    assert.deepEqual(await conversationTagIds(conversationId), [tag.id])
  })

  test("an agent cannot tag another agent's chat or read its tags; guests go to /login", async ({
    client,
    assert,
  }) => {
    const { agent, other } = await workers()
    const { conversationId, messageId } = await chat({ agent: other })
    const tag = await createTag('Secreta')
    await db.table('conversation_tags').insert({ conversation_id: conversationId, tag_id: tag.id })
    await db.table('message_tags').insert({ message_id: messageId, tag_id: tag.id })
    const extra = await createTag('Extra')
    const attempts = [
      client.get(`/inbox/conversations/${conversationId}/tags`),
      client.post(`/inbox/conversations/${conversationId}/tags`).form({ tagId: extra.id }),
      client.delete(`/inbox/conversations/${conversationId}/tags/${tag.id}`),
      client.get(`/inbox/messages/${messageId}/tags`),
      client.post(`/inbox/messages/${messageId}/tags`).form({ tagId: extra.id }),
      client.delete(`/inbox/messages/${messageId}/tags/${tag.id}`),
    ]
    for (const request of attempts) {
      const response = await request
        .header('HX-Request', 'true')
        .withCsrfToken()
        .loginAs(agent)
        .redirects(0)
      assert.include([403, 404], response.status())
      assert.notInclude(response.text(), 'Secreta')
    }
    assert.deepEqual(await conversationTagIds(conversationId), [tag.id])
    assert.deepEqual(await messageTagIds(messageId), [tag.id])

    const guests: [string, string][] = [
      ['get', `/inbox/conversations/${conversationId}/tags`],
      ['post', `/inbox/conversations/${conversationId}/tags`],
      ['delete', `/inbox/conversations/${conversationId}/tags/${tag.id}`],
      ['get', `/inbox/messages/${messageId}/tags`],
      ['post', `/inbox/messages/${messageId}/tags`],
      ['delete', `/inbox/messages/${messageId}/tags/${tag.id}`],
    ]
    for (const [method, url] of guests) {
      const response = await (client as any)[method](url).withCsrfToken().redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
    assert.lengthOf(await auditEntries('conversation.tag_added'), 0)
  })

  test('a role without chats.tag sees the tags but cannot change them', async ({
    client,
    assert,
  }) => {
    const { agent } = await workers()
    const { conversationId } = await chat({ agent })
    const tag = await createTag('Visible')
    await db.table('conversation_tags').insert({ conversation_id: conversationId, tag_id: tag.id })
    const role = await Role.findByOrFail('key', 'agent')
    await db
      .from('role_permissions')
      .where('role_id', role.id)
      .where('permission_key', 'chats.tag')
      .delete()
    const page = (await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).text()
    assert.include(page, 'Visible')
    assert.notInclude(page, 'tag-picker')
    assert.notInclude(page, 'tag__remove')
    const refused = await client
      .delete(`/inbox/conversations/${conversationId}/tags/${tag.id}`)
      .withCsrfToken()
      .loginAs(agent)
    refused.assertStatus(403)
    assert.deepEqual(await conversationTagIds(conversationId), [tag.id])
  })

  test('inactive tags stay shown (dimmed) but are neither offered nor accepted', async ({
    client,
    assert,
  }) => {
    const { supervisor } = await workers()
    const { conversationId } = await chat({ name: 'Cliente Viejo' })
    const old = await createTag('Antigua')
    const current = await createTag('Vigente')
    await db.table('conversation_tags').insert({ conversation_id: conversationId, tag_id: old.id })
    old.isActive = false
    await old.save()
    const newer = await createTag('Retirada', { isActive: false })

    const bar = (
      await client.get(`/inbox/conversations/${conversationId}/tags`).loginAs(supervisor)
    ).text()
    assert.match(bar, /class="tag tag--inactive"[^>]*data-tag-id="\d+"/)
    assert.include(bar, 'Antigua')
    assert.include(bar, `name="tagId" value="${current.id}"`)
    assert.notInclude(bar, `name="tagId" value="${newer.id}"`)
    assert.notInclude(bar, `name="tagId" value="${old.id}"`)

    const row = (await client.get('/inbox').header('HX-Request', 'true').loginAs(supervisor)).text()
    assert.include(
      row,
      `class="tag tag--inactive" style="--tag-color: #1f8a70" data-tag-id="${old.id}"`
    )

    const refused = await client
      .post(`/inbox/conversations/${conversationId}/tags`)
      .form({ tagId: newer.id })
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(supervisor)
    refused.assertStatus(200)
    assert.include(refused.text(), 'Esa etiqueta no está disponible')
    assert.deepEqual(await conversationTagIds(conversationId), [old.id])

    // An inactive tag can still be taken off.
    await client
      .delete(`/inbox/conversations/${conversationId}/tags/${old.id}`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(supervisor)
    assert.deepEqual(await conversationTagIds(conversationId), [])

    // The inbox filter offers only active tags.
    const page = (await client.get('/inbox').loginAs(supervisor)).text()
    const filter = page.slice(
      page.indexOf('id="inbox-tag"'),
      page.indexOf('</select>', page.indexOf('id="inbox-tag"'))
    )
    assert.include(filter, 'Vigente')
    assert.notInclude(filter, 'Retirada')
  })

  test("a tag hidden from the agent's role is neither shown, offered nor accepted", async ({
    client,
    assert,
  }) => {
    const { agent } = await workers()
    const { conversationId } = await chat({ agent })
    const hidden = await createTag('Solo supervisión')
    const supervisorRole = await Role.findByOrFail('key', 'supervisor')
    await db.table('tag_roles').insert({ tag_id: hidden.id, role_id: supervisorRole.id })
    await createTag('Pública')

    const bar = (
      await client.get(`/inbox/conversations/${conversationId}/tags`).loginAs(agent)
    ).text()
    assert.include(bar, 'Pública')
    assert.notInclude(bar, 'Solo supervisión')

    const refused = await client
      .post(`/inbox/conversations/${conversationId}/tags`)
      .form({ tagId: hidden.id })
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(agent)
    assert.include(refused.text(), 'Esa etiqueta no está disponible')
    assert.deepEqual(await conversationTagIds(conversationId), [])
  })

  test('adding twice keeps one row and one audit entry; the change is signalled once', async ({
    client,
    assert,
  }) => {
    const { agent } = await workers()
    const { conversationId } = await chat({ agent })
    const tag = await createTag('Doble')
    const events = emitter.fake(['conversation:tagged'])
    try {
      for (let i = 0; i < 2; i++) {
        const response = await client
          .post(`/inbox/conversations/${conversationId}/tags`)
          .form({ tagId: tag.id })
          .header('HX-Request', 'true')
          .withCsrfToken()
          .loginAs(agent)
        response.assertStatus(200)
      }
      assert.deepEqual(await conversationTagIds(conversationId), [tag.id])
      assert.lengthOf(await auditEntries('conversation.tag_added'), 1)
      events.assertEmittedCount('conversation:tagged', 1)
      events.assertEmitted(
        'conversation:tagged',
        ({ data }) => data.conversationId === conversationId && data.messageId === null
      )
    } finally {
      emitter.restore()
    }
  })
})

test.group('Chat tools: tagging single messages', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin, supervisor and the own agent tag and untag a message; audited; shown on the message', async ({
    client,
    assert,
  }) => {
    const { admin, supervisor, agent } = await workers()
    const { conversationId, messageId } = await chat({ agent })
    for (const user of [admin, supervisor, agent]) {
      const tag = await createTag(`Reclamo ${user.id}`)
      const events = emitter.fake(['conversation:tagged'])
      try {
        const added = await client
          .post(`/inbox/messages/${messageId}/tags`)
          .form({ tagId: tag.id })
          .header('HX-Request', 'true')
          .withCsrfToken()
          .loginAs(user)
        added.assertStatus(200)
        assert.include(added.text(), `id="message-tags-${messageId}"`)
        assert.match(added.text(), chip('span', tag.id))
        assert.notInclude(added.text(), `name="tagId" value="${tag.id}"`)
        events.assertEmitted(
          'conversation:tagged',
          ({ data }) => data.conversationId === conversationId && data.messageId === messageId
        )
      } finally {
        emitter.restore()
      }
      assert.include(await messageTagIds(messageId), tag.id)

      const timeline = (
        await client.get(`/inbox/conversations/${conversationId}/messages`).loginAs(user)
      ).text()
      assert.match(timeline, chip('span', tag.id))
      const strip = (await client.get(`/inbox/messages/${messageId}/tags`).loginAs(user)).text()
      assert.match(strip, chip('span', tag.id))
      const single = (await client.get(`/inbox/messages/${messageId}`).loginAs(user)).text()
      assert.match(single, chip('span', tag.id))

      const removed = await client
        .delete(`/inbox/messages/${messageId}/tags/${tag.id}`)
        .header('HX-Request', 'true')
        .withCsrfToken()
        .loginAs(user)
      removed.assertStatus(200)
      assert.notInclude(await messageTagIds(messageId), tag.id)
    }
    const added = await auditEntries('message.tag_added')
    assert.deepEqual(
      added.map((entry) => entry.actor_id),
      [admin.id, supervisor.id, agent.id]
    )
    assert.equal(added[0].subject_type, 'message')
    assert.equal(added[0].subject_id, String(messageId))
    assert.lengthOf(await auditEntries('message.tag_removed'), 3)
  })

  test("a message's inactive tag shows dimmed; a tag hidden from the role does not show at all", async ({
    client,
    assert,
  }) => {
    const { supervisor, agent } = await workers()
    const { conversationId, messageId } = await chat({ agent })
    const retired = await createTag('Vieja', { isActive: false })
    const hidden = await createTag('Interna')
    const supervisorRole = await Role.findByOrFail('key', 'supervisor')
    await db.table('tag_roles').insert({ tag_id: hidden.id, role_id: supervisorRole.id })
    await db.table('message_tags').multiInsert([
      { message_id: messageId, tag_id: retired.id },
      { message_id: messageId, tag_id: hidden.id },
    ])
    const forAgent = (
      await client.get(`/inbox/conversations/${conversationId}/messages`).loginAs(agent)
    ).text()
    assert.match(
      forAgent,
      new RegExp(`<span class="tag tag--inactive" style="[^"]*" data-tag-id="${retired.id}"`)
    )
    assert.notInclude(forAgent, 'Interna')
    const forSupervisor = (
      await client.get(`/inbox/conversations/${conversationId}/messages`).loginAs(supervisor)
    ).text()
    assert.match(forSupervisor, chip('span', hidden.id))
  })

  test('an inactive tag is not offered on a message and is refused', async ({ client, assert }) => {
    const { agent } = await workers()
    const { messageId } = await chat({ agent })
    const retired = await createTag('Retirada', { isActive: false })
    const active = await createTag('Activa')
    const strip = (await client.get(`/inbox/messages/${messageId}/tags`).loginAs(agent)).text()
    assert.include(strip, `value="${active.id}"`)
    assert.notInclude(strip, `value="${retired.id}"`)
    const refused = await client
      .post(`/inbox/messages/${messageId}/tags`)
      .form({ tagId: retired.id })
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(agent)
    assert.include(refused.text(), 'Esa etiqueta no está disponible')
    assert.deepEqual(await messageTagIds(messageId), [])
  })
})

test.group('Chat tools: times in the organization time zone', (group) => {
  group.each.setup(() => resetDatabase())

  test('message and chat-row times follow the organization time zone', async ({
    client,
    assert,
  }) => {
    const { supervisor } = await workers()
    const { conversationId, messageId } = await chat({ name: 'Cliente Horario' })
    const at = new Date('2024-01-10T03:30:00Z')
    await db.from('messages').where('id', messageId).update({ created_at: at })
    await db.from('conversations').where('id', conversationId).update({ last_message_at: at })

    // America/Guayaquil (UTC-5): the evening before.
    const guayaquil = (
      await client.get(`/inbox/conversations/${conversationId}`).loginAs(supervisor)
    ).text()
    assert.include(guayaquil, '9/1/2024, 22:30')
    assert.notInclude(guayaquil, '10/1/2024, 3:30')

    await Organization.query().update({ timezone: 'Asia/Tokyo' })
    const tokyo = (
      await client.get(`/inbox/conversations/${conversationId}`).loginAs(supervisor)
    ).text()
    assert.include(tokyo, '10/1/2024, 12:30')
    const row = (await client.get('/inbox').header('HX-Request', 'true').loginAs(supervisor)).text()
    assert.include(row, '10/1/2024, 12:30')
  })
})
