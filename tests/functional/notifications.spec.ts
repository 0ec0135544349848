import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import Role from '#models/role'
import notifier from '#services/notifier'
import systemEventLog from '#services/system_event_log'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

const critical = (message: string) => ({ source: 'core', category: 'connection.lost', message })

async function unreadOf(userId: number) {
  const [row] = await db
    .from('notifications')
    .where('user_id', userId)
    .whereNull('read_at')
    .count('* as total')
  return Number(row.total)
}

test.group('Notifications: access', (group) => {
  group.each.setup(() => resetDatabase())

  test('every role reaches its own notifications page and the bell', async ({ client }) => {
    for (const role of ['admin', 'supervisor', 'agent']) {
      const user = await createUser(role)
      await notifier.notify([user.id], 'system_event_critical', critical(`only for ${role}`))
      const page = await client.get('/notifications').loginAs(user)
      page.assertStatus(200)
      page.assertTextIncludes(`Evento crítico en core (connection.lost): only for ${role}`)
      const bell = await client
        .get('/notifications/bell')
        .loginAs(user)
        .header('hx-request', 'true')
      bell.assertStatus(200)
      bell.assertTextIncludes('data-unread="1"')
    }
  })

  test('without a session every notifications route goes to /login', async ({ client }) => {
    await createUser('admin')
    for (const [method, url] of [
      ['get', '/notifications'],
      ['get', '/notifications/bell'],
      ['get', '/notifications/1'],
      ['post', '/notifications/1/read'],
      ['post', '/notifications/read'],
    ] as const) {
      const request = method === 'get' ? client.get(url) : client.post(url).withCsrfToken()
      const response = await request.redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test("a user never sees, opens or marks another user's notifications", async ({
    client,
    assert,
  }) => {
    const owner = await createUser('admin')
    const other = await createUser('admin')
    const [id] = await notifier.notify(
      [owner.id],
      'system_event_critical',
      critical('owner secret')
    )

    const list = await client.get('/notifications').loginAs(other)
    assert.notInclude(list.text(), 'owner secret')
    assert.include(list.text(), 'No tienes notificaciones.')

    const open = await client.get(`/notifications/${id}`).loginAs(other).redirects(0)
    open.assertStatus(404)
    const mark = await client
      .post(`/notifications/${id}/read`)
      .withCsrfToken()
      .loginAs(other)
      .redirects(0)
    mark.assertStatus(404)
    await client.post('/notifications/read').withCsrfToken().loginAs(other).redirects(0)
    const bell = await client.get('/notifications/bell').loginAs(other)
    bell.assertTextIncludes('data-unread="0"')

    assert.equal(await unreadOf(owner.id), 1)
  })

  test('a non-numeric id is a 404, not an error', async ({ client }) => {
    const user = await createUser('agent')
    const response = await client.get('/notifications/abc').loginAs(user)
    response.assertStatus(404)
    response.assertTextIncludes('La página que buscas no existe.')
  })
})

test.group('Notifications: reading', (group) => {
  group.each.setup(() => resetDatabase())

  test('the layout bell shows the unread count', async ({ client, assert }) => {
    const user = await createUser('agent')
    await notifier.notify([user.id], 'system_event_critical', critical('one'))
    await notifier.notify([user.id], 'system_event_critical', critical('two'))
    const home = await client.get('/').loginAs(user)
    assert.match(home.text(), /<span class="bell__count" aria-hidden="true">2<\/span>/)
    assert.include(home.text(), 'aria-label="Notificaciones, 2 sin leer"')
    assert.include(home.text(), 'hx-trigger="live:notification.created from:body')
  })

  test('the text is rendered in the reader language from kind and data', async ({ client }) => {
    const user = await createUser('agent', { locale: 'en' })
    await notifier.notify([user.id], 'system_event_critical', critical('number 0999 lost'))
    await notifier.notify([user.id], 'some_plugin_kind_nobody_translated', {})
    const page = await client.get('/notifications').loginAs(user)
    page.assertTextIncludes('Critical event in core (connection.lost): number 0999 lost')
    page.assertTextIncludes('You have a new notification.')
  })

  test('marking one read updates the row and the count, and signals the bell', async ({
    client,
    assert,
  }) => {
    const user = await createUser('supervisor')
    const [first, second] = [
      ...(await notifier.notify([user.id], 'system_event_critical', critical('first'))),
      ...(await notifier.notify([user.id], 'system_event_critical', critical('second'))),
    ]
    const events = emitter.fake(['notification:read'])
    try {
      const response = await client
        .post(`/notifications/${first}/read`)
        .withCsrfToken()
        .loginAs(user)
        .header('hx-request', 'true')
      response.assertStatus(200)
      response.assertHeader('hx-trigger', 'notifications:changed')
      assert.include(response.text(), `id="notification-${first}"`)
      assert.notInclude(response.text(), 'notification--unread')
      events.assertEmitted(
        'notification:read',
        ({ data }) => data.userId === user.id && data.ids[0] === first
      )
    } finally {
      emitter.restore()
    }
    assert.equal(await unreadOf(user.id), 1)
    const page = await client.get('/notifications').loginAs(user)
    assert.match(
      page.text(),
      new RegExp(`id="notification-${second}" class="notification notification--unread"`)
    )
    assert.match(page.text(), new RegExp(`id="notification-${first}" class="notification "`))
  })

  test('mark all read touches only the user’s own notifications', async ({ client, assert }) => {
    const user = await createUser('agent')
    const other = await createUser('agent')
    await notifier.notify([user.id, other.id], 'system_event_critical', critical('both'))
    await notifier.notify([user.id], 'system_event_critical', critical('mine'))
    const response = await client
      .post('/notifications/read')
      .withCsrfToken()
      .loginAs(user)
      .header('referer', '/notifications')
      .redirects(0)
    response.assertStatus(302)
    assert.equal(await unreadOf(user.id), 0)
    assert.equal(await unreadOf(other.id), 1)
  })

  test('opening a notification marks it read and follows its link; outside links are dropped', async ({
    client,
    assert,
  }) => {
    const user = await createUser('admin')
    const [inside] = await notifier.notify(
      [user.id],
      'system_event_critical',
      critical('a'),
      '/system-events?level=critical'
    )
    const [outside] = await notifier.notify(
      [user.id],
      'system_event_critical',
      critical('b'),
      'https://evil.example/phish'
    )
    const [protocolRelative] = await notifier.notify(
      [user.id],
      'system_event_critical',
      critical('c'),
      '//evil.example'
    )

    const open = await client.get(`/notifications/${inside}`).loginAs(user).redirects(0)
    open.assertHeader('location', '/system-events?level=critical')
    for (const id of [outside, protocolRelative]) {
      const response = await client.get(`/notifications/${id}`).loginAs(user).redirects(0)
      response.assertHeader('location', '/notifications')
    }
    assert.equal(await unreadOf(user.id), 0)
  })

  test('the list pages by id, newest first', async ({ client, assert }) => {
    const user = await createUser('agent')
    for (let i = 1; i <= 25; i++)
      await notifier.notify([user.id], 'system_event_critical', critical(`n-${i}.`))
    const first = await client.get('/notifications').loginAs(user)
    assert.include(first.text(), 'n-25.')
    assert.include(first.text(), 'n-6.')
    assert.notInclude(first.text(), 'n-5.')
    const next = /href="\/notifications\?before=(\d+)"/.exec(first.text())
    assert.exists(next)

    const second = await client.get(`/notifications?before=${next![1]}`).loginAs(user)
    assert.include(second.text(), 'n-5.')
    assert.include(second.text(), 'n-1.')
    assert.notInclude(second.text(), 'n-6.')
    assert.notInclude(second.text(), 'before=')
  })

  test('a bad page cursor shows a translated message', async ({ client }) => {
    const user = await createUser('agent')
    const response = await client.get('/notifications?before=abc').loginAs(user)
    response.assertStatus(200)
    response.assertTextIncludes('El campo página debe ser un número.')
  })
})

test.group('Notifications: notifier service', (group) => {
  group.each.setup(() => resetDatabase())

  test('notifyWithPermission reaches active users whose role grants it, admins always', async ({
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const inactiveAdmin = await createUser('admin', { isActive: false })
    const role = await Role.create({
      key: 'ops',
      name: 'Operaciones',
      isSystem: false,
      isActive: true,
    })
    await db
      .table('role_permissions')
      .insert({ role_id: role.id, permission_key: 'system_events.view' })
    const ops = await createUser('ops')

    await notifier.notifyWithPermission(
      'system_events.view',
      'system_event_critical',
      critical('x')
    )
    const recipients = (await db.from('notifications').select('user_id')).map((row) => row.user_id)
    assert.sameMembers(recipients, [admin.id, ops.id])
    assert.notIncludeMembers(recipients, [supervisor.id, agent.id, inactiveAdmin.id])
  })

  test('inside a transaction, rows and signals exist only after commit', async ({ assert }) => {
    const user = await createUser('agent')
    const events = emitter.fake(['notification:created'])
    try {
      const trx = await db.transaction()
      await notifier.notify([user.id], 'system_event_critical', critical('rolled back'), null, {
        client: trx,
      })
      await trx.rollback()
      events.assertNotEmitted('notification:created')

      await db.transaction(async (client) => {
        await notifier.notify([user.id], 'system_event_critical', critical('kept'), null, {
          client,
        })
        events.assertNotEmitted('notification:created')
      })
      events.assertEmittedCount('notification:created', 1)
    } finally {
      emitter.restore()
    }
    assert.equal(await unreadOf(user.id), 1)
  })

  test('a critical system event notifies everyone who may read the log, nothing else does', async ({
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')

    await systemEventLog.record({ level: 'warning', category: 'send.failed', message: 'retrying' })
    assert.equal(Number((await db.from('notifications').count('* as total'))[0].total), 0)

    const eventId = await systemEventLog.record({
      level: 'critical',
      category: 'connection.lost',
      source: 'baileys',
      message: 'Número 0999 desconectado',
    })
    const rows = await db.from('notifications').select('user_id', 'kind', 'data', 'url')
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].user_id, admin.id)
    assert.equal(rows[0].kind, 'system_event_critical')
    assert.deepEqual(rows[0].data, {
      eventId,
      category: 'connection.lost',
      source: 'baileys',
      message: 'Número 0999 desconectado',
    })
    assert.equal(rows[0].url, '/system-events?level=critical')
    assert.equal(await unreadOf(supervisor.id), 0)
    assert.equal(await unreadOf(agent.id), 0)
  })
})
