import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import Tag from '#models/tag'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'

async function createTag(name: string, overrides: Partial<Pick<Tag, 'color' | 'isActive'>> = {}) {
  return Tag.create({ name, color: '#1f8a70', description: null, isActive: true, ...overrides })
}

async function roleId(key: string) {
  return (await Role.findByOrFail('key', key)).id
}

async function tagRoleIds(tagId: number) {
  const rows = await db.from('tag_roles').where('tag_id', tagId).orderBy('role_id')
  return rows.map((row) => Number(row.role_id))
}

test.group('Tags page · access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin and supervisor reach every tags route', async ({ client, assert }) => {
    for (const key of ['admin', 'supervisor']) {
      const user = await createUser(key)
      const tag = await createTag(`Mora ${key}`)
      const list = await client.get('/tags').loginAs(user)
      list.assertStatus(200)
      list.assertTextIncludes('Etiquetas')
      list.assertTextIncludes(`Mora ${key}`)
      ;(await client.get('/tags/create').loginAs(user)).assertStatus(200)
      ;(await client.get(`/tags/${tag.id}/edit`).loginAs(user)).assertStatus(200)
      const store = await client
        .post('/tags')
        .withCsrfToken()
        .loginAs(user)
        .form({ name: `Nueva ${key}`, color: '#aabbcc' })
        .redirects(0)
      store.assertHeader('location', '/tags')
      const update = await client
        .put(`/tags/${tag.id}`)
        .withCsrfToken()
        .loginAs(user)
        .form({ name: `Mora ${key} 2`, color: '#000000' })
        .redirects(0)
      update.assertHeader('location', '/tags')
      const status = await client
        .put(`/tags/${tag.id}/status`)
        .withCsrfToken()
        .loginAs(user)
        .header('referer', '/tags')
        .form({ isActive: '0' })
        .redirects(0)
      status.assertStatus(302)
      await tag.refresh()
      assert.isFalse(tag.isActive)
      assert.equal(tag.name, `Mora ${key} 2`)
    }
  })

  test('an agent gets 403 on every route and nothing changes', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const tag = await createTag('Promesa de pago')
    const requests = [
      client.get('/tags'),
      client.get('/tags/create'),
      client.post('/tags').form({ name: 'Intruso', color: '#ffffff' }),
      client.get(`/tags/${tag.id}/edit`),
      client.put(`/tags/${tag.id}`).form({ name: 'Cambiada', color: '#ffffff' }),
      client.put(`/tags/${tag.id}/status`).form({ isActive: '0' }),
    ]
    for (const request of requests) {
      const response = await request.withCsrfToken().loginAs(agent).redirects(0)
      response.assertStatus(403)
    }
    await tag.refresh()
    assert.equal(tag.name, 'Promesa de pago')
    assert.isTrue(tag.isActive)
    assert.isNull(await Tag.findBy('name', 'Intruso'))
  })

  test('a guest is sent to /login from every route', async ({ client }) => {
    await createUser('admin')
    const tag = await createTag('Promesa de pago')
    const requests = [
      client.get('/tags'),
      client.get('/tags/create'),
      client.post('/tags').form({ name: 'Intruso', color: '#ffffff' }),
      client.get(`/tags/${tag.id}/edit`),
      client.put(`/tags/${tag.id}`).form({ name: 'Cambiada', color: '#ffffff' }),
      client.put(`/tags/${tag.id}/status`).form({ isActive: '0' }),
    ]
    for (const request of requests) {
      const response = await request.withCsrfToken().redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test('the nav shows Etiquetas to admins and not to agents', async ({ client }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    ;(await client.get('/').loginAs(admin)).assertTextIncludes('href="/tags"')
    const page = await client.get('/').loginAs(agent)
    page.assertStatus(200)
    if (page.text().includes('href="/tags"')) throw new Error('agent sees the tags nav entry')
  })
})

test.group('Tags page · create and edit', (group) => {
  group.each.setup(() => resetDatabase())

  test('creating a tag saves color, description and visible roles, and audits it', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisorId = await roleId('supervisor')
    const agentId = await roleId('agent')
    const response = await client
      .post('/tags')
      .withCsrfToken()
      .loginAs(admin)
      .form({
        'name': 'Promesa de pago',
        'color': '#1F8A70',
        'description': 'El cliente prometió pagar',
        'roleIds[]': [String(agentId), String(supervisorId)],
      })
      .redirects(0)
    response.assertHeader('location', '/tags')
    response.assertFlashMessage('success', 'Etiqueta Promesa de pago creada.')

    const tag = await Tag.findByOrFail('name', 'Promesa de pago')
    assert.equal(tag.color, '#1f8a70')
    assert.equal(tag.description, 'El cliente prometió pagar')
    assert.isTrue(tag.isActive)
    assert.deepEqual(
      await tagRoleIds(tag.id),
      [supervisorId, agentId].sort((a, b) => a - b)
    )

    const [entry] = await auditEntries('tag.created')
    assert.equal(entry.actor_id, admin.id)
    assert.equal(entry.subject_type, 'tag')
    assert.equal(entry.subject_id, String(tag.id))
    assert.isNull(entry.before)
    assert.equal(entry.after.name, 'Promesa de pago')
    assert.deepEqual(
      entry.after.roleIds,
      [supervisorId, agentId].sort((a, b) => a - b)
    )

    const page = await client.get('/tags').loginAs(admin)
    page.assertTextIncludes('<tr id="tag-' + tag.id + '">')
    page.assertTextIncludes('Promesa de pago')
    page.assertTextIncludes('#1f8a70')
    page.assertTextIncludes('Supervisor, Agente')

    const audit = await client.get('/audit').loginAs(admin)
    audit.assertTextIncludes('Creó una etiqueta')
    audit.assertTextIncludes(`Etiqueta #${tag.id}`)
  })

  test('a tag without roles is visible to all roles', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await client
      .post('/tags')
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'General', color: '#64748b' })
      .redirects(0)
    const tag = await Tag.findByOrFail('name', 'General')
    assert.deepEqual(await tagRoleIds(tag.id), [])
    ;(await client.get('/tags').loginAs(admin)).assertTextIncludes('Todos los roles')
  })

  test('the create and edit forms have a color input and role checkboxes', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agentId = await roleId('agent')
    const create = await client.get('/tags/create').loginAs(admin)
    create.assertTextIncludes('type="color"')
    create.assertTextIncludes('name="roleIds[]"')
    create.assertTextIncludes('Visible para')

    const tag = await createTag('Mora')
    await tag.related('roles').attach([agentId])
    const edit = await client.get(`/tags/${tag.id}/edit`).loginAs(admin)
    edit.assertTextIncludes('value="#1f8a70"')
    assert.match(edit.text(), new RegExp(`value="${agentId}" checked`))
  })

  test('a duplicate name (any case) is refused with a translated message and nothing is saved', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const existing = await createTag('Promesa de pago')
    const duplicate = await client
      .post('/tags')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/tags/create')
      .form({ name: 'PROMESA DE PAGO', color: '#000000' })
      .redirects(0)
    duplicate.assertHeader('location', '/tags/create')
    duplicate.assertFlashMessage('inputErrorsBag', {
      name: ['Ya existe una etiqueta con ese nombre.'],
    })
    const page = await client
      .get('/tags/create')
      .loginAs(admin)
      .withFlashMessages(duplicate.flashMessages())
    page.assertTextIncludes('Ya existe una etiqueta con ese nombre.')
    page.assertTextIncludes('value="PROMESA DE PAGO"')
    const count = await db.from('tags').count('* as total').first()
    assert.equal(Number(count.total), 1)
    assert.lengthOf(await auditEntries('tag.created'), 0)

    // Renaming another tag onto it is refused too; keeping its own name is fine.
    const other = await createTag('Mora')
    const rename = await client
      .put(`/tags/${other.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'promesa de pago', color: '#000000' })
      .redirects(0)
    rename.assertFlashMessage('inputErrorsBag', {
      name: ['Ya existe una etiqueta con ese nombre.'],
    })
    await other.refresh()
    assert.equal(other.name, 'Mora')
    const same = await client
      .put(`/tags/${existing.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Promesa de Pago', color: '#000000' })
      .redirects(0)
    same.assertHeader('location', '/tags')
  })

  test('a bad color is refused with a translated message', async ({ client, assert }) => {
    const admin = await createUser('admin')
    for (const color of ['red', '#12345', '#gggggg', '1f8a70']) {
      const response = await client
        .post('/tags')
        .withCsrfToken()
        .loginAs(admin)
        .form({ name: 'Mora', color })
        .redirects(0)
      response.assertFlashMessage('inputErrorsBag', {
        color: ['El color debe tener el formato #RRGGBB (por ejemplo #1f8a70).'],
      })
    }
    assert.isNull(await Tag.findBy('name', 'Mora'))

    // The form comes back with what was typed and ticked.
    const agentId = await roleId('agent')
    const refused = await client
      .post('/tags')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/tags/create')
      .form({ 'name': 'Mora', 'color': 'red', 'roleIds[]': [String(agentId)] })
      .redirects(0)
    const page = await client
      .get('/tags/create')
      .loginAs(admin)
      .withFlashMessages(refused.flashMessages())
    page.assertTextIncludes('El color debe tener el formato #RRGGBB')
    page.assertTextIncludes('value="Mora"')
    assert.match(page.text(), new RegExp(`value="${agentId}" checked`))
  })

  test('editing changes fields and roles, with before/after in the audit', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agentId = await roleId('agent')
    const supervisorId = await roleId('supervisor')
    const tag = await createTag('Mora')
    await tag.related('roles').attach([agentId])
    const response = await client
      .put(`/tags/${tag.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({
        'name': 'Mora temprana',
        'color': '#ff0000',
        'description': '1 a 30 días',
        'roleIds[]': [String(supervisorId)],
      })
      .redirects(0)
    response.assertFlashMessage('success', 'Etiqueta Mora temprana actualizada.')
    await tag.refresh()
    assert.equal(tag.name, 'Mora temprana')
    assert.equal(tag.color, '#ff0000')
    assert.equal(tag.description, '1 a 30 días')
    assert.deepEqual(await tagRoleIds(tag.id), [supervisorId])

    const [entry] = await auditEntries('tag.updated')
    assert.equal(entry.before.name, 'Mora')
    assert.equal(entry.before.color, '#1f8a70')
    assert.deepEqual(entry.before.roleIds, [agentId])
    assert.equal(entry.after.name, 'Mora temprana')
    assert.deepEqual(entry.after.roleIds, [supervisorId])

    // No roles ticked: visible to all again.
    await client
      .put(`/tags/${tag.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Mora temprana', color: '#ff0000' })
      .redirects(0)
    assert.deepEqual(await tagRoleIds(tag.id), [])
  })

  test('an unknown role id is refused', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const response = await client
      .post('/tags')
      .withCsrfToken()
      .loginAs(admin)
      .form({ 'name': 'Mora', 'color': '#000000', 'roleIds[]': ['99999'] })
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', {
      roleIds: ['Uno de los roles elegidos no existe. Recarga la página.'],
    })
    assert.isNull(await Tag.findBy('name', 'Mora'))
  })
})

test.group('Tags page · inactivate and reactivate', (group) => {
  group.each.setup(() => resetDatabase())

  test('inactivating and reactivating keeps the tag, filters the list and audits', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const tag = await createTag('Mora')
    const off = await client
      .put(`/tags/${tag.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/tags')
      .form({ isActive: '0' })
      .redirects(0)
    off.assertHeader('location', '/tags')
    off.assertFlashMessage('success', 'Etiqueta Mora inactivada.')
    await tag.refresh()
    assert.isFalse(tag.isActive)

    const active = await client.get('/tags').loginAs(admin)
    active.assertTextIncludes('No hay etiquetas con ese filtro.')
    const inactive = await client.get('/tags?status=inactive').loginAs(admin)
    inactive.assertTextIncludes(`<tr id="tag-${tag.id}">`)
    inactive.assertTextIncludes('Reactivar')

    // An htmx filter request gets only the table.
    const fragment = await client
      .get('/tags?status=all')
      .header('HX-Request', 'true')
      .loginAs(admin)
    fragment.assertTextIncludes(`<tr id="tag-${tag.id}">`)
    assert.notInclude(fragment.text(), '<html')

    await client
      .put(`/tags/${tag.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '1' })
      .redirects(0)
    await tag.refresh()
    assert.isTrue(tag.isActive)

    const [inactivated] = await auditEntries('tag.inactivated')
    assert.deepEqual(inactivated.before, { isActive: true })
    assert.deepEqual(inactivated.after, { isActive: false })
    assert.lengthOf(await auditEntries('tag.reactivated'), 1)
    assert.equal(Number((await db.from('tags').count('* as total').first()).total), 1)
  })
})
