import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import {
  assigneeOf,
  goOnline,
  knownClient,
  nextWaId,
  openLoads,
  servedBy,
  setRule,
} from '#tests/helpers/routing_fixtures'
import presence from '#services/routing/agent_presence'
import resolution from '#services/conversation_resolution'
import assigner from '#services/conversation_assigner'
import { assignmentHistoryOf } from '#services/routing/assignment_history'
import engine from '#services/routing/assignment_engine'

async function newChat(connection: Awaited<ReturnType<typeof createConnection>>, waId?: string) {
  const result = await receive(connection, { waId: waId ?? nextWaId() })
  return result.conversationId
}

test.group('Routing · balanced by load among available agents', (group) => {
  group.each.setup(() => resetDatabase())

  test('N conversations over K available agents differ by at most one', async ({ assert }) => {
    const connection = await createConnection()
    const agents = [await createUser('agent'), await createUser('agent'), await createUser('agent')]
    await servedBy(connection, ...agents)
    await goOnline(...agents)

    for (let i = 0; i < 10; i++) await newChat(connection)

    const loads = await openLoads(agents)
    assert.equal(
      loads.reduce((a, b) => a + b, 0),
      10
    )
    assert.isAtMost(Math.max(...loads) - Math.min(...loads), 1)
    const first = await db.from('conversations').orderBy('id').first()
    assert.equal(first.state, 'pending')
  })

  test('offline, busy, idle and inactive agents are skipped', async ({ assert }) => {
    const connection = await createConnection()
    const online = await createUser('agent')
    const busy = await createUser('agent')
    const offline = await createUser('agent')
    const idle = await createUser('agent')
    const inactive = await createUser('agent')
    await servedBy(connection, online, busy, offline, idle, inactive)
    await goOnline(online, idle, inactive)
    await presence.set(busy.id, 'busy', 'agent')
    await db
      .from('agent_presence')
      .where('user_id', idle.id)
      .update({ last_seen_at: new Date(Date.now() - 60 * 60 * 1000) })
    await db.from('users').where('id', inactive.id).update({ is_active: false })

    for (let i = 0; i < 4; i++) await newChat(connection)

    assert.deepEqual(await openLoads([online, busy, offline, idle, inactive]), [4, 0, 0, 0, 0])
  })

  test('the idle sweeper writes offline and the agent stops receiving', async ({ assert }) => {
    const agent = await createUser('agent')
    await goOnline(agent)
    await db
      .from('agent_presence')
      .where('user_id', agent.id)
      .update({ last_seen_at: new Date(Date.now() - 16 * 60 * 1000) })
    assert.equal(await presence.statusOf(agent.id), 'offline')
    assert.equal(await presence.sweepIdle(), 1)
    const row = await db.from('agent_presence').where('user_id', agent.id).first()
    assert.equal(row.status, 'offline')
  })

  test('the pool is the department when the connection has no agents of its own', async ({
    assert,
  }) => {
    const now = new Date()
    const [department] = await db
      .table('departments')
      .insert({ name: 'Cobranza', created_at: now, updated_at: now })
      .returning('id')
    const connection = await createConnection({ defaultDepartmentId: Number(department.id) })
    const member = await createUser('agent')
    const outsider = await createUser('agent')
    await db
      .table('department_members')
      .insert({ department_id: department.id, user_id: member.id })
    await goOnline(member, outsider)

    const id = await newChat(connection)

    assert.equal((await assigneeOf(id)).userId, member.id)
  })
})

test.group('Routing · capacity limit and queue', (group) => {
  group.each.setup(() => resetDatabase())

  test('beyond the limit chats wait, and are served oldest first as capacity frees', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const [a, b, c] = [
      await createUser('agent'),
      await createUser('agent'),
      await createUser('agent'),
    ]
    await servedBy(connection, a, b, c)
    await setRule(connection, { maxOpenPerAgent: 1 })
    await goOnline(a, b)

    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push(await newChat(connection))

    assert.deepEqual(await openLoads([a, b]), [1, 1])
    for (const id of ids.slice(2)) {
      const state = await assigneeOf(id)
      assert.isNull(state.userId)
      assert.equal(state.routingState, 'queued')
      assert.equal(state.state, 'new')
    }

    // Resolving frees a slot: the oldest waiting chat (ids[2]) goes to that agent.
    const holderOfFirst = (await assigneeOf(ids[0])).userId
    await resolution.resolve(ids[0], null)
    assert.equal((await assigneeOf(ids[2])).userId, holderOfFirst)
    assert.isNull((await assigneeOf(ids[3])).userId)

    // An agent coming online takes the next one.
    await goOnline(c)
    assert.equal((await assigneeOf(ids[3])).userId, c.id)
    assert.isNull((await assigneeOf(ids[4])).userId)

    // A chat handed away (transfer, manual reassignment) frees its agent too.
    const supervisor = await createUser('supervisor')
    await assigner.assign({ conversationId: ids[3], userId: supervisor.id, actor: supervisor })
    assert.equal((await assigneeOf(ids[4])).userId, c.id)
  })

  test('an agent’s own limit wins over the connection’s', async ({ assert }) => {
    const connection = await createConnection()
    const [small, big] = [await createUser('agent'), await createUser('agent')]
    await servedBy(connection, small, big)
    await setRule(connection, { maxOpenPerAgent: 2 })
    await db
      .table('agent_limits')
      .insert({ user_id: small.id, max_open: 1, updated_at: new Date() })
    await goOnline(small, big)

    for (let i = 0; i < 4; i++) await newChat(connection)

    assert.deepEqual(await openLoads([small, big]), [1, 2])
    // A higher own limit frees room: the waiting chat goes to that agent when the queue is served.
    await db.table('agent_limits').insert({ user_id: big.id, max_open: 5, updated_at: new Date() })
    await engine.serveQueue()
    assert.deepEqual(await openLoads([small, big]), [1, 3])
  })

  test('concurrent inbound never overfills an agent', async ({ assert }) => {
    const connection = await createConnection()
    const agents = [await createUser('agent'), await createUser('agent'), await createUser('agent')]
    await servedBy(connection, ...agents)
    await setRule(connection, { maxOpenPerAgent: 2 })
    await goOnline(...agents)

    const results = await Promise.all(
      Array.from({ length: 12 }, () => receive(connection, { waId: nextWaId() }))
    )

    assert.deepEqual(await openLoads(agents), [2, 2, 2])
    const queued = await db
      .from('conversations')
      .whereIn(
        'id',
        results.map((r) => r.conversationId)
      )
      .where('routing_state', 'queued')
      .count('* as total')
    assert.equal(Number(queued[0].total), 6)
  })

  test('concurrent inbound stays fair without a limit', async ({ assert }) => {
    const connection = await createConnection()
    const agents = [await createUser('agent'), await createUser('agent'), await createUser('agent')]
    await servedBy(connection, ...agents)
    await goOnline(...agents)

    await Promise.all(Array.from({ length: 10 }, () => receive(connection, { waId: nextWaId() })))

    const loads = await openLoads(agents)
    assert.equal(
      loads.reduce((x, y) => x + y, 0),
      10
    )
    assert.isAtMost(Math.max(...loads) - Math.min(...loads), 1)
  })
})

test.group('Routing · responsible agent, delegations and the no-responsible bucket', (group) => {
  group.each.setup(() => resetDatabase())

  test('the responsible agent comes first, even with more open chats', async ({ assert }) => {
    const connection = await createConnection()
    const responsible = await createUser('agent')
    const other = await createUser('agent')
    await servedBy(connection, responsible, other)
    await goOnline(responsible)
    await newChat(connection)
    await newChat(connection)
    await goOnline(other)
    assert.deepEqual(await openLoads([responsible, other]), [2, 0])
    const waId = nextWaId()
    await knownClient(waId, responsible)

    const id = await newChat(connection, waId)

    const history = await assignmentHistoryOf(id)
    assert.equal((await assigneeOf(id)).userId, responsible.id)
    assert.equal(history.at(-1)!.reason, 'rule.responsible')
  })

  test('a delegate receives when the responsible agent is away; else the pool', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const responsible = await createUser('agent')
    const delegate = await createUser('agent')
    const poolAgent = await createUser('agent')
    await servedBy(connection, poolAgent)
    await db.table('routing_delegations').insert({
      connection_id: connection.id,
      owner_user_id: responsible.id,
      delegate_user_id: delegate.id,
      created_at: new Date(),
    })
    await goOnline(delegate, poolAgent)
    const waId = nextWaId()
    await knownClient(waId, responsible)

    const first = await newChat(connection, waId)
    assert.equal((await assigneeOf(first)).userId, delegate.id)
    assert.equal((await assignmentHistoryOf(first))[0].reason, 'rule.delegate')

    await resolution.resolve(first, null)
    await presence.set(delegate.id, 'offline', 'agent')
    const second = await newChat(connection, waId)
    assert.equal((await assigneeOf(second)).userId, poolAgent.id)
    assert.equal((await assignmentHistoryOf(second))[0].reason, 'rule.balanced')
  })

  test('without fallback, the client waits for their own group', async ({ assert }) => {
    const connection = await createConnection()
    const responsible = await createUser('agent')
    const poolAgent = await createUser('agent')
    await servedBy(connection, poolAgent)
    await setRule(connection, { fallbackToPool: false })
    await goOnline(poolAgent)
    const waId = nextWaId()
    await knownClient(waId, responsible)

    const id = await newChat(connection, waId)
    assert.equal((await assigneeOf(id)).routingState, 'queued')

    await goOnline(responsible)
    assert.equal((await assigneeOf(id)).userId, responsible.id)
  })

  test('clients without a responsible agent go to the bucket', async ({ assert }) => {
    const connection = await createConnection()
    const bucketAgent = await createUser('agent')
    const poolAgent = await createUser('agent')
    await servedBy(connection, poolAgent)
    await db
      .table('routing_unowned_agents')
      .insert({ connection_id: connection.id, user_id: bucketAgent.id })
    await goOnline(bucketAgent, poolAgent)

    const unknown = await newChat(connection)
    const waId = nextWaId()
    await knownClient(waId, null)
    const noManager = await newChat(connection, waId)

    assert.equal((await assigneeOf(unknown)).userId, bucketAgent.id)
    assert.equal((await assigneeOf(noManager)).userId, bucketAgent.id)
    assert.equal((await assignmentHistoryOf(noManager))[0].reason, 'rule.no_responsible')
  })

  test('rules off: the chat stays unassigned for supervisors', async ({ assert }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    await servedBy(connection, agent)
    await setRule(connection, { autoAssign: false })
    await goOnline(agent)

    const id = await newChat(connection)

    const state = await assigneeOf(id)
    assert.isNull(state.userId)
    assert.equal(state.routingState, 'manual')
    assert.isNull(state.queuedAt)
  })
})

test.group('Routing · assignment history', (group) => {
  group.each.setup(() => resetDatabase())

  test('rule and person changes are recorded with who, when and why', async ({ assert }) => {
    const connection = await createConnection()
    const agent = await createUser('agent')
    const supervisor = await createUser('supervisor')
    await servedBy(connection, agent)
    await goOnline(agent)
    const id = await newChat(connection)

    await assigner.assign({ conversationId: id, userId: supervisor.id, actor: supervisor })
    await assigner.assign({ conversationId: id, userId: null, actor: supervisor })

    const history = await assignmentHistoryOf(id)
    assert.deepEqual(
      history.map((h) => [h.reason, h.fromName, h.toName, h.actorName]),
      [
        ['rule.balanced', null, agent.fullName, null],
        ['manual', agent.fullName, supervisor.fullName, supervisor.fullName],
        ['manual', supervisor.fullName, null, supervisor.fullName],
      ]
    )
    assert.isTrue(history[0].at.isValid)
  })
})

test.group('Routing · open load counter', (group) => {
  group.each.setup(() => resetDatabase())

  test('agent_open_loads follows every assignment, resolve and reopen', async ({ assert }) => {
    const connection = await createConnection()
    const [a, b] = [await createUser('agent'), await createUser('agent')]
    await servedBy(connection, a, b)
    await goOnline(a, b)
    const ids: number[] = []
    for (let i = 0; i < 6; i++) ids.push(await newChat(connection))
    await resolution.resolve(ids[0], null)
    await resolution.resolve(ids[1], null)
    await resolution.reopen(ids[1], null)
    await assigner.assign({ conversationId: ids[2], userId: b.id, actor: null })
    await assigner.assign({ conversationId: ids[3], userId: null, actor: null })
    await db.from('conversations').where('id', ids[4]).update({ state: 'in_progress' })

    const counted = await db
      .from('conversations')
      .whereNotNull('assigned_user_id')
      .whereNot('state', 'resolved')
      .groupBy('assigned_user_id')
      .select('assigned_user_id')
      .count('* as total')
    const kept = await db.from('agent_open_loads').where('open_count', '>', 0)
    const asMap = (rows: any[], key: string, value: string) =>
      Object.fromEntries(rows.map((r) => [Number(r[key]), Number(r[value])]))
    assert.deepEqual(
      asMap(kept, 'user_id', 'open_count'),
      asMap(counted, 'assigned_user_id', 'total')
    )
  })
})
