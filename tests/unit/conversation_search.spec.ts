import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import search, { type ChatListViewer } from '#services/conversation_search'
import Conversation from '#models/conversation'
import type User from '#models/user'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

const viewerOf = (user: User) => search.viewerFor(user)

const names = (page: { rows: { contact: { name: string } }[] }) =>
  page.rows.map((row) => row.contact.name)

test.group('ConversationSearch', (group) => {
  group.each.setup(() => resetDatabase())

  test('lists by last activity, newest first, with the row data the list shows', async ({
    assert,
  }) => {
    const supervisor = await viewerOf(await createUser('supervisor'))
    const connection = await createConnection()
    await receive(connection, {
      waId: '593990000001',
      name: 'Ana',
      at: new Date('2026-11-20T10:00:00Z'),
    })
    await receive(connection, {
      waId: '593990000002',
      name: 'Bruno',
      at: new Date('2026-11-20T12:00:00Z'),
      body: 'Último',
    })
    await receive(connection, {
      waId: '593990000003',
      name: 'Carla',
      at: new Date('2026-11-20T11:00:00Z'),
    })

    const page = await search.list(supervisor)
    assert.deepEqual(names(page), ['Bruno', 'Carla', 'Ana'])
    const [bruno] = page.rows
    assert.equal(bruno.lastMessagePreview, 'Último')
    assert.equal(bruno.unreadCount, 1)
    assert.equal(bruno.pendingCount, 1)
    assert.equal(bruno.contact.phoneE164, '+593990000002')
    assert.isNull(bruno.assignedUser)
    assert.isNull(page.nextCursor)
  })

  test('name search is partial and accent-insensitive ("jose" finds "José")', async ({
    assert,
  }) => {
    const supervisor = await viewerOf(await createUser('supervisor'))
    const connection = await createConnection()
    await receive(connection, { waId: '593990000001', name: 'José Núñez' })
    await receive(connection, { waId: '593990000002', name: 'María Pérez' })
    await receive(connection, { waId: '593990000003', name: 'Josefina Ortega' })

    assert.sameMembers(names(await search.list(supervisor, { search: 'jose' })), [
      'José Núñez',
      'Josefina Ortega',
    ])
    assert.deepEqual(names(await search.list(supervisor, { search: 'NUNEZ' })), ['José Núñez'])
    assert.deepEqual(names(await search.list(supervisor, { search: 'pérez' })), ['María Pérez'])
    assert.deepEqual(names(await search.list(supervisor, { search: 'ría pe' })), ['María Pérez'])
    // LIKE wildcards in the term are literal characters.
    assert.deepEqual(names(await search.list(supervisor, { search: '%' })), [])
  })

  test('name search also finds the chat by its client’s holder name', async ({ assert }) => {
    const supervisor = await viewerOf(await createUser('supervisor'))
    const connection = await createConnection()
    const result = await receive(connection, { waId: '593990000001', name: 'Pepe' })
    const [client] = await db
      .table('clients')
      .insert({
        holder_name: 'Comercial Ñandú S.A.',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await db.from('contacts').where('id', result.contactId).update({ client_id: client.id })

    const page = await search.list(supervisor, { search: 'nandu' })
    assert.deepEqual(names(page), ['Pepe'])
    assert.equal(page.rows[0].contact.clientName, 'Comercial Ñandú S.A.')
  })

  test('phone search matches a fragment in any format ({$self})')
    .with(['099 123', '+593 99 123', '0991234567', '593-99-1234', '(099) 123-45', '4567'])
    .run(async ({ assert }, term) => {
      const supervisor = await viewerOf(await createUser('supervisor'))
      const connection = await createConnection()
      await receive(connection, { waId: '593991234567', name: 'Objetivo' })
      await receive(connection, { waId: '593980000000', name: 'Otro' })
      assert.deepEqual(names(await search.list(supervisor, { search: term })), ['Objetivo'])
    })

  test('an agent sees only the chats assigned to them, in the list and in the tray counts', async ({
    assert,
  }) => {
    const agentUser = await createUser('agent')
    const otherAgent = await createUser('agent')
    const agent = await viewerOf(agentUser)
    const supervisor = await viewerOf(await createUser('supervisor'))
    const connection = await createConnection()
    const mine = await receive(connection, { waId: '593990000001', name: 'Mía' })
    const theirs = await receive(connection, { waId: '593990000002', name: 'Ajena' })
    await receive(connection, { waId: '593990000003', name: 'Sin asignar' })
    await Conversation.query()
      .where('id', mine.conversationId)
      .update({ assigned_user_id: agentUser.id, state: 'pending' })
    await Conversation.query()
      .where('id', theirs.conversationId)
      .update({ assigned_user_id: otherAgent.id })

    assert.deepEqual(names(await search.list(agent)), ['Mía'])
    // Asking for someone else's chats or searching for them does not widen the scope.
    assert.deepEqual(names(await search.list(agent, { assignedUserId: otherAgent.id })), [])
    assert.deepEqual(names(await search.list(agent, { search: 'ajena' })), [])
    assert.deepEqual(await search.trayCounts(agent), {
      new: 0,
      pending: 1,
      in_progress: 0,
      resolved: 0,
      pendingMessages: 1,
    })

    assert.lengthOf((await search.list(supervisor)).rows, 3)
    assert.deepEqual(await search.trayCounts(supervisor), {
      new: 2,
      pending: 1,
      in_progress: 0,
      resolved: 0,
      pendingMessages: 3,
    })
    assert.deepEqual(names(await search.list(supervisor, { assignedUserId: 'none' })), [
      'Sin asignar',
    ])

    // Without any chat permission: nothing.
    const nobody: ChatListViewer = { id: agentUser.id, permissions: new Set() }
    assert.deepEqual((await search.list(nobody)).rows, [])
    assert.equal((await search.trayCounts(nobody)).pending, 0)
  })

  test('filters by state, connection, department and tag', async ({ assert }) => {
    const supervisor = await viewerOf(await createUser('supervisor'))
    const one = await createConnection()
    const two = await createConnection()
    const [department] = await db
      .table('departments')
      .insert({ name: 'Ventas', created_at: new Date(), updated_at: new Date() })
      .returning('id')
    const [tag] = await db
      .table('tags')
      .insert({ name: 'VIP', color: '#ff0000', created_at: new Date(), updated_at: new Date() })
      .returning('id')
    const a = await receive(one, { waId: '593990000001', name: 'A' })
    const b = await receive(two, { waId: '593990000002', name: 'B' })
    const c = await receive(one, { waId: '593990000003', name: 'C' })
    await Conversation.query()
      .where('id', a.conversationId)
      .update({ state: 'resolved', department_id: department.id })
    await db
      .table('conversation_tags')
      .insert({ conversation_id: b.conversationId, tag_id: tag.id })

    assert.deepEqual(names(await search.list(supervisor, { state: 'resolved' })), ['A'])
    assert.sameMembers(names(await search.list(supervisor, { state: ['new', 'pending'] })), [
      'B',
      'C',
    ])
    assert.sameMembers(names(await search.list(supervisor, { connectionId: one.id })), ['A', 'C'])
    assert.deepEqual(names(await search.list(supervisor, { departmentId: department.id })), ['A'])
    const tagged = await search.list(supervisor, { tagIds: [tag.id] })
    assert.deepEqual(names(tagged), ['B'])
    assert.deepEqual(tagged.rows[0].tags, [
      { id: tag.id, name: 'VIP', color: '#ff0000', isActive: true },
    ])
    assert.deepEqual(await search.trayCounts(supervisor, { connectionId: one.id }), {
      new: 1,
      pending: 0,
      in_progress: 0,
      resolved: 1,
      pendingMessages: 1,
    })
    assert.isDefined(c)
  })

  test('tags limited to some roles are hidden from other roles (R-TG-3)', async ({ assert }) => {
    const agentUser = await createUser('agent')
    const agent = await viewerOf(agentUser)
    const connection = await createConnection()
    const chat = await receive(connection, { name: 'Z' })
    await Conversation.query()
      .where('id', chat.conversationId)
      .update({ assigned_user_id: agentUser.id })
    const [open] = await db
      .table('tags')
      .insert({ name: 'Pago', color: '#00ff00', created_at: new Date(), updated_at: new Date() })
      .returning('id')
    const [secret] = await db
      .table('tags')
      .insert({ name: 'Legal', color: '#000000', created_at: new Date(), updated_at: new Date() })
      .returning('id')
    const supervisorRole = await db.from('roles').where('key', 'supervisor').firstOrFail()
    await db.table('tag_roles').insert({ tag_id: secret.id, role_id: supervisorRole.id })
    await db.table('conversation_tags').multiInsert([
      { conversation_id: chat.conversationId, tag_id: open.id },
      { conversation_id: chat.conversationId, tag_id: secret.id },
    ])

    const [row] = (await search.list(agent)).rows
    assert.deepEqual(
      row.tags.map((t) => t.name),
      ['Pago']
    )
  })

  test('keyset pagination is stable: no row lost or repeated, even with equal timestamps and new arrivals', async ({
    assert,
  }) => {
    const supervisor = await viewerOf(await createUser('supervisor'))
    const connection = await createConnection()
    const same = new Date('2026-11-20T10:00:00.123456Z')
    for (let n = 0; n < 12; n++) {
      await receive(connection, {
        waId: `5939900000${String(n).padStart(2, '0')}`,
        name: `Contacto ${n}`,
        // Four chats share each timestamp: only the id breaks the tie.
        at: new Date(same.getTime() - Math.floor(n / 4) * 60_000),
      })
    }
    // Sub-millisecond differences must not be rounded away by the cursor.
    await db.rawQuery(
      "UPDATE conversations SET last_message_at = last_message_at + (id * interval '1 microsecond') WHERE id % 3 = 0"
    )
    const expected = (
      await db
        .from('conversations')
        .orderBy([
          { column: 'last_message_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .select('id')
    ).map((row) => row.id)

    const seen: number[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await search.list(supervisor, {}, { cursor, limit: 5 })
      seen.push(...page.rows.map((row) => row.id))
      cursor = page.nextCursor
      pages++
      // A new message arriving mid-scroll moves a chat to the top; it must not reappear below.
      if (pages === 1) await receive(connection, { waId: '593990000099', name: 'Nuevo' })
    } while (cursor)

    assert.equal(pages, 3)
    assert.deepEqual(seen, expected)
    assert.equal(new Set(seen).size, 12)

    // A garbled cursor starts over instead of failing.
    assert.lengthOf((await search.list(supervisor, {}, { cursor: 'garbage', limit: 5 })).rows, 5)
  })
})
