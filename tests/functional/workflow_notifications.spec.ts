import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import conversationAssigner from '#services/conversation_assigner'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

async function kindsOf(userId: number) {
  const rows = await db.from('notifications').where('user_id', userId).orderBy('id')
  return rows.map((row) => row.kind as string)
}

test.group('Workflow notifications', (group) => {
  group.each.setup(() => resetDatabase())

  test('an agent is notified when a chat is assigned to them, whoever assigns it', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection()
    const { conversationId } = await receive(connection, {
      waId: '593995000001',
      name: 'Lucía Cliente',
    })

    const response = await client
      .put(`/conversations/${conversationId}/assignment`)
      .loginAs(supervisor)
      .withCsrfToken()
      .redirects(0)
      .form({ userId: agent.id })
    response.assertStatus(302)
    const [note] = await db.from('notifications').where('user_id', agent.id)
    assert.equal(note.kind, 'team_notifications.assigned')
    assert.equal(note.url, `/inbox/conversations/${conversationId}`)
    const page = await client.get('/notifications').loginAs(agent)
    page.assertTextIncludes('Se te asignó el chat con Lucía Cliente.')

    // The system (a routing rule: no actor) notifies too; taking a chat yourself does not.
    const other = await createUser('agent')
    await conversationAssigner.assign({ conversationId, userId: other.id, actor: null })
    assert.deepEqual(await kindsOf(other.id), ['team_notifications.assigned'])
    await conversationAssigner.assign({ conversationId, userId: supervisor.id, actor: supervisor })
    assert.deepEqual(await kindsOf(supervisor.id), [])
  })

  test('a lost number notifies supervisors live; admins hear it as a critical event; agents nothing', async ({
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection({ name: 'Línea Cobranzas', status: 'connected' })

    await ingest.forPlugin('test_channel').connection(connection.id, {
      status: 'disconnected',
      reason: 'stream closed',
    })
    assert.deepEqual(await kindsOf(supervisor.id), ['team_notifications.connection_disconnected'])
    assert.deepEqual(await kindsOf(admin.id), ['system_event_critical'])
    assert.deepEqual(await kindsOf(agent.id), [])
    const [note] = await db.from('notifications').where('user_id', supervisor.id)
    assert.equal(note.data.name, 'Línea Cobranzas')
    assert.equal(note.url, '/connections')

    // Going from disconnected to logged out is not a second loss; reconnecting then losing is.
    await ingest.forPlugin('test_channel').connection(connection.id, { status: 'logged_out' })
    assert.lengthOf(await kindsOf(supervisor.id), 1)
    await ingest.forPlugin('test_channel').connection(connection.id, { status: 'connected' })
    await ingest.forPlugin('test_channel').connection(connection.id, { status: 'logged_out' })
    assert.deepEqual(await kindsOf(supervisor.id), [
      'team_notifications.connection_disconnected',
      'team_notifications.connection_logged_out',
    ])
  })
})
