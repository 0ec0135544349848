import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import Tag from '#models/tag'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createCustomRole } from '#tests/helpers/roles'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

/**
 * R-TG-3: a tag limited to some roles does not exist for the others — not in
 * the chat rows, the tag filter, the conversation, its messages or the CSV.
 */
async function scene() {
  const agent = await createUser('agent')
  const supervisorRole = await Role.findByOrFail('key', 'supervisor')
  const open = await Tag.create({ name: 'Etiqueta Pública', color: '#22aa22', isActive: true })
  const hidden = await Tag.create({ name: 'Etiqueta Secreta', color: '#aa2222', isActive: true })
  await hidden.related('roles').attach([supervisorRole.id])
  const connection = await createConnection()
  const { conversationId, messageId } = await receive(connection, {
    waId: '593993000001',
    name: 'Cliente Etiquetado',
  })
  await db
    .from('conversations')
    .where('id', conversationId)
    .update({ assigned_user_id: agent.id, state: 'pending' })
  for (const tag of [open, hidden]) {
    await db.table('conversation_tags').insert({ conversation_id: conversationId, tag_id: tag.id })
    await db.table('message_tags').insert({ message_id: messageId, tag_id: tag.id })
  }
  return { agent, open, hidden, conversationId }
}

test.group('Tag visibility by role', (group) => {
  group.each.setup(() => resetDatabase())

  test('an agent never sees a tag limited to supervisors', async ({ client, assert }) => {
    const { agent, hidden, conversationId } = await scene()

    const list = await client.get('/inbox').loginAs(agent)
    list.assertStatus(200)
    assert.include(list.text(), 'Cliente Etiquetado')
    assert.include(list.text(), 'Etiqueta Pública')
    assert.notInclude(list.text(), 'Etiqueta Secreta')

    // Filtering by the hidden tag's id reveals nothing.
    const filtered = await client.get(`/inbox?tag=${hidden.id}`).loginAs(agent)
    filtered.assertStatus(200)
    assert.notInclude(filtered.text(), 'Cliente Etiquetado')

    const pane = await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)
    pane.assertStatus(200)
    assert.include(pane.text(), 'Etiqueta Pública')
    assert.notInclude(pane.text(), 'Etiqueta Secreta')

    const csv = await client.get('/inbox/export.csv').loginAs(agent)
    csv.assertStatus(200)
    assert.include(csv.text(), 'Cliente Etiquetado')
    assert.include(csv.text(), 'Etiqueta Pública')
    assert.notInclude(csv.text(), 'Etiqueta Secreta')
  })

  test('roles the tag names, and tag managers, see it everywhere', async ({ client, assert }) => {
    const { hidden, conversationId } = await scene()
    const supervisor = await createUser('supervisor')
    for (const url of ['/inbox', `/inbox?tag=${hidden.id}`, '/inbox/export.csv']) {
      const response = await client.get(url).loginAs(supervisor)
      assert.include(response.text(), 'Etiqueta Secreta', url)
      assert.include(response.text(), 'Cliente Etiquetado', url)
    }
    const pane = await client.get(`/inbox/conversations/${conversationId}`).loginAs(supervisor)
    assert.include(pane.text(), 'Etiqueta Secreta')

    // A role without tags.manage sees it only once the tag names that role.
    const viewerRole = await createCustomRole('lector', ['chats.view_all', 'chats.view_own'])
    const reader = await createUser('lector')
    assert.notInclude((await client.get('/inbox').loginAs(reader)).text(), 'Etiqueta Secreta')
    await hidden.related('roles').attach([viewerRole.id])
    assert.include((await client.get('/inbox').loginAs(reader)).text(), 'Etiqueta Secreta')
  })

  test('the chat export keeps the agent isolation and needs a session', async ({
    client,
    assert,
  }) => {
    const { agent } = await scene()
    const other = await createUser('agent')
    const mine = await client.get('/inbox/export.csv').loginAs(agent)
    mine.assertHeader('content-type', 'text/csv; charset=utf-8')
    assert.include(mine.text(), 'Cliente Etiquetado')
    assert.notInclude(
      (await client.get('/inbox/export.csv').loginAs(other)).text(),
      'Cliente Etiquetado'
    )
    const guest = await client.get('/inbox/export.csv').redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
  })
})
