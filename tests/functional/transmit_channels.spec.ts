import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import notifier from '#services/notifier'
import systemEventLog from '#services/system_event_log'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { LiveSession } from '#tests/helpers/live_session'

/*
| Channel authorization, proven with real sessions, a real event stream and
| real subscribe POSTs: a user who may not see what a channel streams is
| refused, and receives nothing sent on it.
*/

async function loggedIn(role: string) {
  const user = await createUser(role)
  return { user, session: await LiveSession.start({ email: user.email, password: 'secret-pass' }) }
}

test.group('Transmit channels', (group) => {
  group.each.setup(() => resetDatabase())

  test('users/:id: the owner is accepted and receives their signals', async ({ assert }) => {
    const { user, session } = await loggedIn('agent')
    const stream = await session.openStream()
    assert.isTrue(stream.isOpen)

    const response = await session.subscribe(stream.uid, `users/${user.id}`)
    assert.equal(response.status, 204)

    const [id] = await notifier.notify([user.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'y',
    })
    const [message] = await stream.waitFor((frame) => frame.channel === `users/${user.id}`)
    assert.deepEqual(message.payload, { type: 'notification.created', id })
    stream.close()
  })

  test('users/:id: another user is refused and gets nothing sent to it', async ({ assert }) => {
    const { user: owner } = await loggedIn('admin')
    const { user: outsider, session } = await loggedIn('admin')
    const stream = await session.openStream()

    const refused = await session.subscribe(stream.uid, `users/${owner.id}`)
    assert.equal(refused.status, 400)
    assert.equal((await session.subscribe(stream.uid, `users/${outsider.id}`)).status, 204)

    await notifier.notify([owner.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'secret',
    })
    // A marker on the outsider's own channel: everything before it was delivered already.
    await notifier.notify([outsider.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'marker',
    })
    const frames = await stream.waitFor((frame) => frame.channel === `users/${outsider.id}`)
    assert.deepEqual(
      frames.map((frame) => frame.channel).filter((channel) => channel !== '$$transmit/ping'),
      [`users/${outsider.id}`]
    )
    stream.close()
  })

  test('supervisors: supervisors and admins are accepted, an agent is refused', async ({
    assert,
  }) => {
    for (const [role, status] of [
      ['admin', 204],
      ['supervisor', 204],
      ['agent', 400],
    ] as const) {
      const { session } = await loggedIn(role)
      const stream = await session.openStream()
      assert.equal((await session.subscribe(stream.uid, 'supervisors')).status, status, role)
      stream.close()
    }
  })

  test('connections/:id: admins and supervisors are accepted, an agent is refused', async ({
    assert,
  }) => {
    for (const [role, status] of [
      ['admin', 204],
      ['supervisor', 204],
      ['agent', 400],
    ] as const) {
      const { session } = await loggedIn(role)
      const stream = await session.openStream()
      assert.equal((await session.subscribe(stream.uid, 'connections/1')).status, status, role)
      assert.equal((await session.subscribe(stream.uid, 'connections/x')).status, 400, role)
      stream.close()
    }
  })

  test('supervisors: a custom role needs chats.view_all or dashboard.view', async ({ assert }) => {
    const role = await Role.create({
      key: 'auditor',
      name: 'Auditor',
      isSystem: false,
      isActive: true,
    })
    const { session } = await loggedIn('auditor')
    const stream = await session.openStream()
    assert.equal((await session.subscribe(stream.uid, 'supervisors')).status, 400)

    await db
      .table('role_permissions')
      .insert({ role_id: role.id, permission_key: 'dashboard.view' })
    assert.equal((await session.subscribe(stream.uid, 'supervisors')).status, 204)
    stream.close()
  })

  test('system_events: only users with system_events.view, and outsiders get nothing', async ({
    assert,
  }) => {
    const { session: admin } = await loggedIn('admin')
    const { user: supervisor, session: outsider } = await loggedIn('supervisor')
    const adminStream = await admin.openStream()
    const outsiderStream = await outsider.openStream()

    assert.equal((await admin.subscribe(adminStream.uid, 'system_events')).status, 204)
    assert.equal((await outsider.subscribe(outsiderStream.uid, 'system_events')).status, 400)
    assert.equal(
      (await outsider.subscribe(outsiderStream.uid, `users/${supervisor.id}`)).status,
      204
    )

    const id = await systemEventLog.record({
      level: 'warning',
      category: 'webhook.bad_signature',
      message: 'bad signature',
    })
    const [message] = await adminStream.waitFor((frame) => frame.channel === 'system_events')
    assert.deepEqual(message.payload, { type: 'system_event.recorded', id })

    await notifier.notify([supervisor.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'marker',
    })
    const frames = await outsiderStream.waitFor(
      (frame) => frame.channel === `users/${supervisor.id}`
    )
    assert.notInclude(
      frames.map((frame) => frame.channel),
      'system_events'
    )
    adminStream.close()
    outsiderStream.close()
  })

  test('a subscribe without the CSRF token is refused by Shield', async ({ assert }) => {
    const { user, session } = await loggedIn('agent')
    const stream = await session.openStream()
    const response = await session.subscribe(stream.uid, `users/${user.id}`, { csrf: false })
    assert.notEqual(response.status, 204)
    assert.equal((await session.subscribe(stream.uid, `users/${user.id}`)).status, 204)
    stream.close()
  })

  test('without a session nothing is streamed or subscribed', async ({ assert }) => {
    const user = await createUser('admin')
    const anonymous = await LiveSession.start()
    const stream = await anonymous.openStream()
    assert.isFalse(stream.isOpen)
    assert.equal(stream.response.status, 302)
    assert.match(stream.response.headers.get('location')!, /^\/login\b/)

    const response = await anonymous.subscribe(stream.uid, `users/${user.id}`)
    assert.include([401, 302], response.status)
  })

  test('an inactivated user loses the stream and the subscription', async ({ assert }) => {
    const { user, session } = await loggedIn('admin')
    await db.from('users').where('id', user.id).update({ is_active: false })
    const stream = await session.openStream()
    assert.isFalse(stream.isOpen)
    assert.notEqual((await session.subscribe(stream.uid, `users/${user.id}`)).status, 204)
  })
})

test.group('Transmit channels: conversations', (group) => {
  group.each.setup(() => resetDatabase())

  async function assignedChat(agentId: number | null) {
    const { createConnection, receive } = await import('#tests/helpers/conversation_fixtures')
    const connection = await createConnection()
    const { conversationId } = await receive(connection, {
      waId: `59399${Math.floor(Math.random() * 1e7)}`,
    })
    if (agentId)
      await db
        .from('conversations')
        .where('id', conversationId)
        .update({ assigned_user_id: agentId, state: 'pending' })
    return { connection, conversationId }
  }

  test('conversations/:id: its agent, supervisors and admins are accepted; another agent is refused', async ({
    assert,
  }) => {
    const { user: agent, session: agentSession } = await loggedIn('agent')
    const { session: outsiderSession } = await loggedIn('agent')
    const { session: supervisorSession } = await loggedIn('supervisor')
    const { conversationId } = await assignedChat(agent.id)
    for (const [session, status] of [
      [agentSession, 204],
      [supervisorSession, 204],
      [outsiderSession, 400],
    ] as const) {
      const stream = await session.openStream()
      assert.equal(
        (await session.subscribe(stream.uid, `conversations/${conversationId}`)).status,
        status
      )
      stream.close()
    }
    const { session: adminSession } = await loggedIn('admin')
    const stream = await adminSession.openStream()
    assert.equal(
      (await adminSession.subscribe(stream.uid, 'conversations/not-a-number')).status,
      400
    )
    stream.close()
  })

  test('a customer message signals the open chat and its agent; an outsider gets nothing', async ({
    assert,
  }) => {
    const { user: agent, session } = await loggedIn('agent')
    const { user: outsider, session: outsiderSession } = await loggedIn('agent')
    const { connection, conversationId } = await assignedChat(agent.id)
    const stream = await session.openStream()
    const outsiderStream = await outsiderSession.openStream()
    assert.equal(
      (await session.subscribe(stream.uid, `conversations/${conversationId}`)).status,
      204
    )
    assert.equal((await session.subscribe(stream.uid, `users/${agent.id}`)).status, 204)
    assert.equal(
      (await outsiderSession.subscribe(outsiderStream.uid, `conversations/${conversationId}`))
        .status,
      400
    )
    assert.equal(
      (await outsiderSession.subscribe(outsiderStream.uid, `users/${outsider.id}`)).status,
      204
    )

    const { receive } = await import('#tests/helpers/conversation_fixtures')
    const contact = await db.from('contacts').firstOrFail()
    const { messageId } = await receive(connection, { waId: contact.wa_id, body: 'secreto' })
    const [created] = await stream.waitFor(
      (frame) => frame.channel === `conversations/${conversationId}`
    )
    assert.deepEqual(created.payload, { type: 'message.created', id: messageId })
    // The agent's channel also carries the dashboard's signal: look for the chat list's.
    const changed = await stream.waitFor(
      (frame) =>
        frame.channel === `users/${agent.id}` && frame.payload?.type === 'conversation.changed'
    )
    assert.deepEqual(changed.at(-1)!.payload, { type: 'conversation.changed', id: conversationId })

    await notifier.notify([outsider.id], 'system_event_critical', {
      source: 'core',
      category: 'x',
      message: 'marker',
    })
    const frames = await outsiderStream.waitFor((frame) => frame.channel === `users/${outsider.id}`)
    assert.deepEqual(
      frames.map((frame) => frame.channel).filter((channel) => channel !== '$$transmit/ping'),
      [`users/${outsider.id}`]
    )
    stream.close()
    outsiderStream.close()
  })
})
