import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import User from '#models/user'
import permissionRegistry from '#permissions/permission_registry'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries, createCustomRole, grantsOf } from '#tests/helpers/roles'

async function roleIds(...keys: string[]) {
  const roles = await Role.query().whereIn('key', keys)
  return keys.map((key) => roles.find((role) => role.key === key)!.id)
}

/** The form the matrix page submits, from the current grants with some boxes flipped. */
async function matrixForm(changes: { tick?: string[]; untick?: string[] } = {}) {
  const roles = await Role.query().whereNot('key', 'admin').orderBy('id')
  const rows = await db
    .from('role_permissions')
    .whereIn(
      'role_id',
      roles.map((r) => r.id)
    )
    .select('role_id', 'permission_key')
  const grants = new Set(rows.map((row) => `${row.role_id}:${row.permission_key}`))
  for (const entry of changes.tick ?? []) grants.add(entry)
  for (const entry of changes.untick ?? []) grants.delete(entry)
  return { roles: roles.map((r) => r.id), grants: [...grants] }
}

test.group('Roles page · access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin sees the matrix with localized labels and an all-checked, disabled admin column', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const page = await client.get('/roles').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Roles y permisos')
    page.assertTextIncludes('Ver usuarios')
    page.assertTextIncludes('Usuarios y roles')
    for (const name of ['Administrador', 'Supervisor', 'Agente']) page.assertTextIncludes(name)
    const disabled = page.text().match(/<input type="checkbox" checked disabled/g) ?? []
    assert.lengthOf(disabled, permissionRegistry.all().length)
    const [supervisorId] = await roleIds('supervisor')
    assert.include(page.text(), `value="${supervisorId}:users.manage" checked`)
    assert.notInclude(page.text(), `value="${supervisorId}:settings.manage" checked`)

    const english = await createUser('admin', { locale: 'en' })
    const en = await client.get('/roles').loginAs(english)
    en.assertTextIncludes('View users')
    en.assertTextIncludes('Administrator')
  })

  test('supervisor and agent are refused on every roles route and nothing changes', async ({
    client,
    assert,
  }) => {
    const custom = await createCustomRole('cobranza', ['chats.reply'])
    const [agentId] = await roleIds('agent')
    for (const key of ['supervisor', 'agent']) {
      const user = await createUser(key)
      const requests = [
        client.get('/roles'),
        client.post('/roles').form({ name: 'Intrusos' }),
        client
          .put('/roles/permissions')
          .form({ roles: [agentId], grants: [`${agentId}:settings.manage`] }),
        client.get(`/roles/${custom.id}/edit`),
        client.put(`/roles/${custom.id}`).form({ name: 'Renombrado' }),
        client.put(`/roles/${custom.id}/status`).form({ isActive: '0' }),
      ]
      for (const request of requests) {
        const response = await request.withCsrfToken().loginAs(user).redirects(0)
        response.assertStatus(403)
      }
    }
    await custom.refresh()
    assert.equal(custom.name, 'cobranza')
    assert.isTrue(custom.isActive)
    assert.notInclude(await grantsOf('agent'), 'settings.manage')
    assert.isNull(await Role.findBy('name', 'Intrusos'))
  })
})

test.group('Roles page · permission matrix', (group) => {
  group.each.setup(() => resetDatabase())

  test('saving the matrix changes grants, audits before/after and takes effect at once', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const [supervisorId, agentId] = await roleIds('supervisor', 'agent')
    const supervisorBefore = await grantsOf('supervisor')

    const response = await client
      .put('/roles/permissions')
      .withCsrfToken()
      .loginAs(admin)
      .form(
        await matrixForm({
          untick: [`${supervisorId}:users.manage`],
          tick: [`${agentId}:dashboard.view`],
        })
      )
      .redirects(0)
    response.assertHeader('location', '/roles')
    response.assertFlashMessage('success', 'Permisos guardados para 2 roles.')

    assert.notInclude(await grantsOf('supervisor'), 'users.manage')
    assert.include(await grantsOf('agent'), 'dashboard.view')

    const entries = await auditEntries('role.permissions_changed')
    assert.lengthOf(entries, 2)
    const supervisorEntry = entries.find((entry) => entry.subject_id === String(supervisorId))
    assert.deepEqual(supervisorEntry.before.permissions, supervisorBefore)
    assert.deepEqual(
      supervisorEntry.after.permissions,
      supervisorBefore.filter((key) => key !== 'users.manage')
    )
    assert.equal(supervisorEntry.actor_id, admin.id)

    // The supervisor lost users.manage: the create page is now refused.
    ;(await client.get('/users/create').loginAs(supervisor)).assertStatus(403)
  })

  test('an unticked column removes every grant of that role', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const [agentId] = await roleIds('agent')
    const form = await matrixForm()
    form.grants = form.grants.filter((entry) => !entry.startsWith(`${agentId}:`))
    await client.put('/roles/permissions').withCsrfToken().loginAs(admin).form(form).redirects(0)
    assert.deepEqual(await grantsOf('agent'), [])
  })

  test('the administrator always keeps every permission', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const [adminId] = await roleIds('admin')
    const form = await matrixForm()
    await client
      .put('/roles/permissions')
      .withCsrfToken()
      .loginAs(admin)
      .form({ roles: [...form.roles, adminId], grants: form.grants })
      .redirects(0)
    const fresh = await User.findOrFail(admin.id)
    assert.isTrue(await fresh.can('roles.manage'))
    assert.isTrue(await fresh.can('settings.manage'))
  })

  test('an unknown permission or role is refused with a translated message and nothing changes', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const [agentId] = await roleIds('agent')
    const before = await grantsOf('agent')
    const unknown = await client
      .put('/roles/permissions')
      .withCsrfToken()
      .loginAs(admin)
      .form(
        await matrixForm({
          tick: [`${agentId}:nuclear.launch`],
          untick: [`${agentId}:chats.reply`],
        })
      )
      .redirects(0)
    unknown.assertFlashMessage(
      'error',
      'La tabla de permisos cambió mientras la editabas. Recarga la página e intenta de nuevo.'
    )
    assert.deepEqual(await grantsOf('agent'), before)

    const badShape = await client
      .put('/roles/permissions')
      .withCsrfToken()
      .loginAs(admin)
      .form({ 'roles[]': ['x'], 'grants[]': ['nope'] })
      .redirects(0)
    badShape.assertFlashMessage('inputErrorsBag', {
      'roles.0': ['La tabla de permisos enviada no es válida. Recarga la página.'],
      'grants.0': ['La tabla de permisos enviada no es válida. Recarga la página.'],
    })
    assert.deepEqual(await grantsOf('agent'), before)
    assert.lengthOf(await auditEntries('role.permissions_changed'), 0)
  })
})

test.group('Roles page · custom roles', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin creates a custom role; its key is the slug of the name', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const response = await client
      .post('/roles')
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Coordinación de Cobranza', description: 'Equipo de cobranza' })
      .redirects(0)
    response.assertFlashMessage(
      'success',
      'Rol Coordinación de Cobranza creado. Asígnale permisos en la tabla.'
    )
    const role = await Role.findByOrFail('key', 'coordinacion-de-cobranza')
    assert.isFalse(role.isSystem)
    assert.isTrue(role.isActive)
    const [audit] = await auditEntries('role.created')
    assert.equal(audit.after.key, 'coordinacion-de-cobranza')

    const page = await client.get('/roles').loginAs(admin)
    page.assertTextIncludes('Coordinación de Cobranza')
    page.assertTextIncludes(`value="${role.id}:chats.reply"`)
  })

  test('duplicate or bad names are refused with translated messages', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await createCustomRole('cobranza', [], { name: 'Cobranza' })
    const count = async () => Number((await db.from('roles').count('* as total'))[0].total)
    const before = await count()

    const duplicate = await client
      .post('/roles')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/roles')
      .form({ name: 'COBRANZA' })
      .redirects(0)
    duplicate.assertFlashMessage('inputErrorsBag', { name: ['Ya existe un rol con ese nombre.'] })
    const page = await client
      .get('/roles')
      .loginAs(admin)
      .withFlashMessages(duplicate.flashMessages())
    page.assertTextIncludes('Ya existe un rol con ese nombre.')

    const system = await client
      .post('/roles')
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Admin' })
      .redirects(0)
    system.assertFlashMessage('inputErrorsBag', { name: ['Ya existe un rol con ese nombre.'] })

    const short = await client
      .post('/roles')
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'x' })
      .redirects(0)
    short.assertFlashMessage('inputErrorsBag', {
      name: ['El campo nombre debe tener al menos 2 caracteres.'],
    })

    const symbols = await client
      .post('/roles')
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: '¡¡!!' })
      .redirects(0)
    symbols.assertFlashMessage('inputErrorsBag', {
      name: ['El nombre debe tener letras o números.'],
    })
    assert.equal(await count(), before)
  })

  test('custom roles are renamed (key unchanged); system roles are not', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const custom = await createCustomRole('cobranza', [], { name: 'Cobranza' })
    const form = await client.get(`/roles/${custom.id}/edit`).loginAs(admin)
    form.assertTextIncludes('Cobranza')

    const response = await client
      .put(`/roles/${custom.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Cobranza temprana', description: 'Mora de 1 a 30 días' })
      .redirects(0)
    response.assertFlashMessage('success', 'Rol actualizado.')
    await custom.refresh()
    assert.equal(custom.name, 'Cobranza temprana')
    assert.equal(custom.key, 'cobranza')
    const [audit] = await auditEntries('role.updated')
    assert.deepInclude(audit.before, { name: 'Cobranza' })
    assert.deepInclude(audit.after, { name: 'Cobranza temprana' })

    const [supervisorId] = await roleIds('supervisor')
    ;(await client.get(`/roles/${supervisorId}/edit`).loginAs(admin)).assertStatus(404)
    const refused = await client
      .put(`/roles/${supervisorId}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ name: 'Jefe' })
      .redirects(0)
    refused.assertFlashMessage('error', 'Los roles del sistema no se pueden renombrar.')
    assert.equal((await Role.findOrFail(supervisorId)).name, 'Supervisor')
  })

  test('a custom role is inactivated and reactivated; never one held by active users, never a system role', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const custom = await createCustomRole('cobranza', ['chats.reply'], { name: 'Cobranza' })
    const holder = await createUser('cobranza')

    const inUse = await client
      .put(`/roles/${custom.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '0' })
      .redirects(0)
    inUse.assertFlashMessage(
      'error',
      'No se puede inactivar: 1 usuario activo tiene este rol. Cámbiales el rol primero.'
    )
    await custom.refresh()
    assert.isTrue(custom.isActive)

    holder.isActive = false
    await holder.save()
    const off = await client
      .put(`/roles/${custom.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '0' })
      .redirects(0)
    off.assertFlashMessage('success', 'Rol Cobranza inactivado.')
    await custom.refresh()
    assert.isFalse(custom.isActive)
    const page = await client.get('/roles').loginAs(admin)
    page.assertTextIncludes('Reactivar')

    // Its users have no permissions and cannot be reactivated until given another role.
    const fresh = await User.findOrFail(holder.id)
    assert.isFalse(await fresh.can('chats.reply'))
    const reactivateUser = await client
      .put(`/users/${holder.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '1' })
      .redirects(0)
    reactivateUser.assertFlashMessage(
      'error',
      'No se puede reactivar: su rol está inactivo. Asígnale otro rol primero.'
    )

    const on = await client
      .put(`/roles/${custom.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '1' })
      .redirects(0)
    on.assertFlashMessage('success', 'Rol Cobranza reactivado.')
    assert.lengthOf(await auditEntries('role.inactivated'), 1)
    assert.lengthOf(await auditEntries('role.reactivated'), 1)

    const [agentId] = await roleIds('agent')
    const system = await client
      .put(`/roles/${agentId}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '0' })
      .redirects(0)
    system.assertFlashMessage('error', 'Los roles del sistema no se pueden inactivar.')
    assert.isTrue((await Role.findOrFail(agentId)).isActive)
  })
})
