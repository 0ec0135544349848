import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import Role from '#models/role'
import userManagement from '#services/user_management'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries, createCustomRole } from '#tests/helpers/roles'

const FORBIDDEN = 'No tienes permiso para realizar esta acción.'
const LAST_ADMIN =
  'No se puede: es el último administrador activo. Primero asigna el rol de administrador a otro usuario activo.'

async function roleId(key: string) {
  return (await Role.findByOrFail('key', key)).id
}

async function userCount() {
  return Number((await db.from('users').count('* as total'))[0].total)
}

function newUserForm(overrides: Record<string, unknown> = {}) {
  return {
    fullName: 'María Quishpe',
    email: 'maria@example.com',
    locale: 'es',
    password: 'secret-pass',
    passwordConfirmation: 'secret-pass',
    ...overrides,
  }
}

test.group('Users page · access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin and supervisor see the list; the agent gets a translated 403', async ({ client }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    const supervisor = await createUser('supervisor', { fullName: 'Sofía Supervisora' })
    const agent = await createUser('agent', { fullName: 'Luis Agente' })

    for (const viewer of [admin, supervisor]) {
      const page = await client.get('/users').loginAs(viewer)
      page.assertStatus(200)
      page.assertTextIncludes('Ana Admin')
      page.assertTextIncludes('Luis Agente')
      page.assertTextIncludes('Nuevo usuario')
    }
    const denied = await client.get('/users').loginAs(agent)
    denied.assertStatus(403)
    denied.assertTextIncludes(FORBIDDEN)
  })

  test('the agent is refused on every users route and nothing changes', async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const other = await createUser('agent', { fullName: 'Otro Agente' })
    const agentRole = await roleId('agent')
    const requests = [
      client.get('/users/create'),
      client.post('/users').form(newUserForm({ roleId: agentRole })),
      client.get(`/users/${other.id}/edit`),
      client
        .put(`/users/${other.id}`)
        .form({ fullName: 'Cambiado', email: other.email, roleId: agentRole, locale: 'es' }),
      client.put(`/users/${other.id}/status`).form({ isActive: '0' }),
      client
        .put(`/users/${other.id}/password`)
        .form({ password: 'new-secret-9', passwordConfirmation: 'new-secret-9' }),
    ]
    for (const request of requests) {
      const response = await request.withCsrfToken().loginAs(agent).redirects(0)
      response.assertStatus(403)
    }
    await other.refresh()
    assert.equal(other.fullName, 'Otro Agente')
    assert.isTrue(other.isActive)
    assert.equal(await userCount(), 2)
  })

  test('a role with users.view but not users.manage lists users but cannot change them', async ({
    client,
    assert,
  }) => {
    const viewerRole = await createCustomRole('auditor', ['users.view'])
    const viewer = await createUser(viewerRole.key)
    const agent = await createUser('agent')
    const list = await client.get('/users').loginAs(viewer)
    list.assertStatus(200)
    list.assertTextIncludes(agent.fullName)
    assert.notInclude(list.text(), 'href="/users/create"')
    assert.notInclude(list.text(), `/users/${agent.id}/edit`)
    const create = await client.get('/users/create').loginAs(viewer)
    create.assertStatus(403)
    const edit = await client.get(`/users/${agent.id}/edit`).loginAs(viewer)
    edit.assertStatus(403)
  })

  test('guests are sent to the login page', async ({ client }) => {
    await createUser('admin')
    const response = await client.get('/users').redirects(0)
    response.assertHeader('location', '/login')
  })
})

test.group('Users page · search, filters and pages', (group) => {
  group.each.setup(() => resetDatabase())

  test('search is partial and ignores case and accents, on name and email', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    await createUser('agent', { fullName: 'José Pérez', email: 'jperez@cobranza.ec' })
    await createUser('agent', { fullName: 'Carla Mena', email: 'carla@example.com' })

    const byName = await client.get('/users').qs({ q: 'jose PEREZ' }).loginAs(admin)
    byName.assertTextIncludes('José Pérez')
    assert.notInclude(byName.text(), 'Carla Mena')

    const byEmail = await client.get('/users').qs({ q: 'COBRANZA.EC' }).loginAs(admin)
    byEmail.assertTextIncludes('José Pérez')
    assert.notInclude(byEmail.text(), 'Carla Mena')

    const none = await client.get('/users').qs({ q: '100%_' }).loginAs(admin)
    none.assertTextIncludes('No hay usuarios que coincidan con la búsqueda.')
  })

  test('an htmx search returns only the table fragment', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    await createUser('agent', { fullName: 'Ñusta Condori' })
    const response = await client
      .get('/users')
      .qs({ q: 'nusta' })
      .header('HX-Request', 'true')
      .loginAs(admin)
    response.assertStatus(200)
    assert.notInclude(response.text(), '<html')
    response.assertTextIncludes('Ñusta Condori')
    assert.notInclude(response.text(), 'Ana Admin')
  })

  test('filters by role and by state', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    await createUser('supervisor', { fullName: 'Sofía Supervisora' })
    await createUser('agent', { fullName: 'Agente Activo' })
    await createUser('agent', { fullName: 'Agente Inactivo', isActive: false })

    const agents = await client
      .get('/users')
      .qs({ role: await roleId('agent') })
      .loginAs(admin)
    agents.assertTextIncludes('Agente Activo')
    agents.assertTextIncludes('Agente Inactivo')
    assert.notInclude(agents.text(), 'Sofía Supervisora')

    const inactive = await client.get('/users').qs({ status: 'inactive' }).loginAs(admin)
    inactive.assertTextIncludes('Agente Inactivo')
    assert.notInclude(inactive.text(), 'Agente Activo')

    const odd = await client
      .get('/users')
      .qs({ role: 'abc', status: 'whatever', page: '-3' })
      .loginAs(admin)
    odd.assertStatus(200)
    odd.assertTextIncludes('Sofía Supervisora')
  })

  test('long lists are paged and the links keep the filters', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    for (let i = 1; i <= 27; i++)
      await createUser('agent', { fullName: `Agente ${String(i).padStart(2, '0')}` })
    const first = await client.get('/users').qs({ q: 'agente' }).loginAs(admin)
    first.assertTextIncludes('27 usuarios')
    first.assertTextIncludes('Página 1 de 2')
    assert.include(first.text(), '/users?q=agente&amp;page=2')
    const second = await client.get('/users').qs({ q: 'agente', page: 2 }).loginAs(admin)
    second.assertTextIncludes('Agente 27')
    assert.notInclude(second.text(), 'Agente 01')
  })
})

test.group('Users page · create', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin creates a user who can log in; the change is audited without the password', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const form = await client.get('/users/create').loginAs(admin)
    form.assertTextIncludes('Contraseña inicial')
    form.assertTextIncludes('Administrador')

    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form(newUserForm({ email: ' Maria@Example.com ', roleId: await roleId('supervisor') }))
      .redirects(0)
    response.assertHeader('location', '/users')
    response.assertFlashMessage('success', 'Usuario María Quishpe creado.')

    const created = await User.query()
      .where('email', 'maria@example.com')
      .preload('role')
      .firstOrFail()
    assert.equal(created.role.key, 'supervisor')
    assert.isTrue(created.isActive)
    await User.verifyCredentials('maria@example.com', 'secret-pass')

    const [audit] = await auditEntries('user.created')
    assert.equal(audit.actor_id, admin.id)
    assert.equal(audit.subject_id, String(created.id))
    assert.equal(audit.after.role, 'supervisor')
    assert.equal(audit.after.password, '[redacted]')
    assert.notInclude(JSON.stringify(audit), 'secret-pass')
  })

  test('a supervisor creates agents but not administrators', async ({ client, assert }) => {
    const supervisor = await createUser('supervisor')
    const form = await client.get('/users/create').loginAs(supervisor)
    assert.notInclude(form.text(), 'Administrador')

    const agent = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(supervisor)
      .form(newUserForm({ roleId: await roleId('agent') }))
      .redirects(0)
    agent.assertFlashMessage('success', 'Usuario María Quishpe creado.')

    const admin = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(supervisor)
      .form(newUserForm({ email: 'boss@example.com', roleId: await roleId('admin') }))
      .redirects(0)
    admin.assertStatus(403)
    assert.isNull(await User.findByEmail('boss@example.com'))
  })

  test('a supervisor cannot hand out a custom role holding permissions they lack', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const powerful = await createCustomRole('configurador', ['settings.manage'])
    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(supervisor)
      .form(newUserForm({ roleId: powerful.id }))
      .redirects(0)
    response.assertStatus(403)
    assert.isNull(await User.findByEmail('maria@example.com'))
  })

  test('an email already in use, in any case, is refused with a translated message', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await createUser('agent', { email: 'maria@example.com' })
    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/users/create')
      .form(newUserForm({ email: 'MARIA@example.com', roleId: await roleId('agent') }))
      .redirects(0)
    response.assertHeader('location', '/users/create')
    response.assertFlashMessage('inputErrorsBag', {
      email: ['Ya existe un usuario con ese correo.'],
    })
    assert.equal(await userCount(), 2)

    // The form shows the message beside the field and keeps what was typed (never the password).
    const page = await client
      .get('/users/create')
      .loginAs(admin)
      .withFlashMessages(response.flashMessages())
    page.assertTextIncludes('Ya existe un usuario con ese correo.')
    page.assertTextIncludes('María Quishpe')
    assert.notInclude(page.text(), 'secret-pass')
  })

  test('bad input is refused with translated messages and nothing is saved', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/users/create')
      .form({
        fullName: 'M',
        email: 'no-es-correo',
        roleId: 'x',
        locale: 'fr',
        password: 'short',
        passwordConfirmation: 'other',
      })
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', {
      fullName: ['El campo nombre completo debe tener al menos 2 caracteres.'],
      email: ['Escribe un correo electrónico válido.'],
      roleId: ['El campo rol debe ser un número.'],
      locale: ['Elige una opción válida para idioma.'],
      password: ['El campo contraseña debe tener al menos 8 caracteres.'],
    })
    assert.equal(await userCount(), 1)

    const missingRole = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form(newUserForm({ roleId: 999999 }))
      .redirects(0)
    missingRole.assertFlashMessage('inputErrorsBag', { roleId: ['El rol elegido no existe.'] })
    assert.equal(await userCount(), 1)
  })

  test('an inactive role cannot be given to anyone', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const retired = await createCustomRole('temporal', [], { isActive: false })
    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form(newUserForm({ roleId: retired.id }))
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', { roleId: ['El rol elegido está inactivo.'] })
    assert.isNull(await User.findByEmail('maria@example.com'))
  })
})

test.group('Users page · edit and change role', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin edits a user and changes their role; both are audited', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent', { fullName: 'Luis Agente' })
    const page = await client.get(`/users/${agent.id}/edit`).loginAs(admin)
    page.assertTextIncludes('Luis Agente')
    page.assertTextIncludes('Restablecer contraseña')
    page.assertTextIncludes('Inactivar usuario')

    const response = await client
      .put(`/users/${agent.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({
        fullName: 'Luis Paredes',
        email: 'LUIS@example.com',
        roleId: await roleId('supervisor'),
        locale: 'en',
      })
      .redirects(0)
    response.assertFlashMessage('success', 'Cambios guardados.')
    await agent.refresh()
    await agent.load('role')
    assert.equal(agent.fullName, 'Luis Paredes')
    assert.equal(agent.email, 'luis@example.com')
    assert.equal(agent.locale, 'en')
    assert.equal(agent.role.key, 'supervisor')

    const [updated] = await auditEntries('user.updated')
    assert.equal(updated.before.fullName, 'Luis Agente')
    assert.equal(updated.after.fullName, 'Luis Paredes')
    const [roleChange] = await auditEntries('user.role_changed')
    assert.deepEqual(
      [roleChange.before, roleChange.after],
      [{ role: 'agent' }, { role: 'supervisor' }]
    )
    assert.equal(roleChange.actor_id, admin.id)
  })

  test('a supervisor edits agents but is refused on every action on an administrator', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const admin = await createUser('admin', { fullName: 'Ana Admin' })
    const agent = await createUser('agent')

    const list = await client.get('/users').loginAs(supervisor)
    assert.notInclude(list.text(), `/users/${admin.id}/edit`)
    assert.include(list.text(), `/users/${agent.id}/edit`)

    const requests = [
      client.get(`/users/${admin.id}/edit`),
      client.put(`/users/${admin.id}`).form({
        fullName: 'Hackeado',
        email: admin.email,
        roleId: await roleId('admin'),
        locale: 'es',
      }),
      client.put(`/users/${admin.id}/status`).form({ isActive: '0' }),
      client
        .put(`/users/${admin.id}/password`)
        .form({ password: 'taken-over-1', passwordConfirmation: 'taken-over-1' }),
      client.put(`/users/${admin.id}`).form({
        fullName: 'Ana Admin',
        email: admin.email,
        roleId: await roleId('agent'),
        locale: 'es',
      }),
    ]
    for (const request of requests) {
      ;(await request.withCsrfToken().loginAs(supervisor).redirects(0)).assertStatus(403)
    }
    await admin.refresh()
    await admin.load('role')
    assert.equal(admin.fullName, 'Ana Admin')
    assert.equal(admin.role.key, 'admin')
    assert.isTrue(admin.isActive)
    await User.verifyCredentials(admin.email, 'secret-pass')

    const ok = await client
      .put(`/users/${agent.id}`)
      .withCsrfToken()
      .loginAs(supervisor)
      .form({
        fullName: 'Agente Editado',
        email: agent.email,
        roleId: await roleId('agent'),
        locale: 'es',
      })
      .redirects(0)
    ok.assertFlashMessage('success', 'Cambios guardados.')
  })

  test('a supervisor cannot promote anyone to administrator', async ({ client, assert }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const response = await client
      .put(`/users/${agent.id}`)
      .withCsrfToken()
      .loginAs(supervisor)
      .form({
        fullName: agent.fullName,
        email: agent.email,
        roleId: await roleId('admin'),
        locale: 'es',
      })
      .redirects(0)
    response.assertStatus(403)
    await agent.refresh()
    assert.equal(agent.roleId, await roleId('agent'))
  })

  test('the last active administrator cannot demote themselves; with a second one they can', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const form = {
      fullName: admin.fullName,
      email: admin.email,
      roleId: await roleId('supervisor'),
      locale: 'es',
    }
    const refused = await client
      .put(`/users/${admin.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', `/users/${admin.id}/edit`)
      .form(form)
      .redirects(0)
    refused.assertFlashMessage('error', LAST_ADMIN)
    await admin.refresh()
    assert.equal(admin.roleId, await roleId('admin'))
    assert.lengthOf(await auditEntries('user.role_changed'), 0)

    const page = await client
      .get(`/users/${admin.id}/edit`)
      .loginAs(admin)
      .withFlashMessages(refused.flashMessages())
    page.assertTextIncludes(LAST_ADMIN)

    await createUser('admin')
    const allowed = await client
      .put(`/users/${admin.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form(form)
      .redirects(0)
    allowed.assertFlashMessage('success', 'Cambios guardados.')
    await admin.refresh()
    assert.equal(admin.roleId, await roleId('supervisor'))
  })

  test('an email taken by another user is refused on edit', async ({ client, assert }) => {
    const admin = await createUser('admin', { email: 'ana@example.com' })
    const agent = await createUser('agent')
    const response = await client
      .put(`/users/${agent.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({
        fullName: agent.fullName,
        email: 'ANA@example.com',
        roleId: await roleId('agent'),
        locale: 'es',
      })
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', {
      email: ['Ya existe un usuario con ese correo.'],
    })
    const before = agent.email
    await agent.refresh()
    assert.equal(agent.email, before)
  })

  test('two administrators demoting each other at the same moment leave one administrator', async ({
    assert,
  }) => {
    const first = await createUser('admin')
    const second = await createUser('admin')
    const supervisorRole = await roleId('supervisor')
    const demote = (actor: User, target: User) =>
      userManagement.update({ user: actor }, target.id, {
        fullName: target.fullName,
        email: target.email,
        roleId: supervisorRole,
        locale: 'es',
      })

    const results = await Promise.allSettled([demote(first, second), demote(second, first)])
    const refused = results.filter((result) => result.status === 'rejected')
    assert.lengthOf(refused, 1)
    assert.equal(
      (refused[0] as PromiseRejectedResult).reason.translationKey,
      'users.errors.last_admin'
    )
    const admins = await db
      .from('users')
      .join('roles', 'roles.id', 'users.role_id')
      .where('roles.key', 'admin')
      .where('users.is_active', true)
    assert.lengthOf(admins, 1)
  })
})

test.group('Users page · inactivate and reactivate', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin inactivates and reactivates a user (never deleted); both audited', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent', { fullName: 'Luis Agente' })
    const off = await client
      .put(`/users/${agent.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '0' })
      .redirects(0)
    off.assertFlashMessage('success', 'Luis Agente fue inactivado.')
    await agent.refresh()
    assert.isFalse(agent.isActive)

    const page = await client.get(`/users/${agent.id}/edit`).loginAs(admin)
    page.assertTextIncludes('Reactivar usuario')

    const on = await client
      .put(`/users/${agent.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '1' })
      .redirects(0)
    on.assertFlashMessage('success', 'Luis Agente fue reactivado.')
    await agent.refresh()
    assert.isTrue(agent.isActive)

    const [inactivated] = await auditEntries('user.inactivated')
    assert.deepEqual(
      [inactivated.before, inactivated.after],
      [{ isActive: true }, { isActive: false }]
    )
    assert.lengthOf(await auditEntries('user.reactivated'), 1)
    assert.equal(await userCount(), 2)
  })

  test('nobody can inactivate themselves', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await createUser('admin')
    const response = await client
      .put(`/users/${admin.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '0' })
      .redirects(0)
    response.assertFlashMessage('error', 'No puedes inactivar tu propio usuario.')
    await admin.refresh()
    assert.isTrue(admin.isActive)
  })

  test('the last active administrator cannot be inactivated, even by someone allowed to manage admins', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await createUser('admin', { isActive: false })
    const hrRole = await createCustomRole('rrhh', [
      'users.view',
      'users.manage',
      'users.manage_admins',
    ])
    const hr = await createUser(hrRole.key)
    const response = await client
      .put(`/users/${admin.id}/status`)
      .withCsrfToken()
      .loginAs(hr)
      .form({ isActive: '0' })
      .redirects(0)
    response.assertFlashMessage('error', LAST_ADMIN)
    await admin.refresh()
    assert.isTrue(admin.isActive)
    assert.lengthOf(await auditEntries('user.inactivated'), 0)
  })

  test('a supervisor inactivates an agent', async ({ client, assert }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    await client
      .put(`/users/${agent.id}/status`)
      .withCsrfToken()
      .loginAs(supervisor)
      .form({ isActive: '0' })
      .redirects(0)
    await agent.refresh()
    assert.isFalse(agent.isActive)
  })
})

test.group("Users page · reset another user's password", (group) => {
  group.each.setup(() => resetDatabase())

  test("admin and supervisor reset an agent's password; it is audited and redacted", async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent', { fullName: 'Luis Agente' })
    for (const [actor, password] of [
      [admin, 'reset-by-admin'],
      [supervisor, 'reset-by-super'],
    ] as const) {
      const response = await client
        .put(`/users/${agent.id}/password`)
        .withCsrfToken()
        .loginAs(actor)
        .form({ password, passwordConfirmation: password })
        .redirects(0)
      response.assertFlashMessage('success', 'La contraseña de Luis Agente fue restablecida.')
      await User.verifyCredentials(agent.email, password)
    }
    const entries = await auditEntries('user.password_reset')
    assert.lengthOf(entries, 2)
    assert.equal(entries[0].after.password, '[redacted]')
    assert.notInclude(JSON.stringify(entries), 'reset-by')
  })

  test('a mismatched confirmation is refused with a translated message', async ({ client }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const response = await client
      .put(`/users/${agent.id}/password`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ password: 'new-secret-9', passwordConfirmation: 'different-9' })
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', {
      passwordConfirmation: ['La confirmación no coincide.'],
    })
    await User.verifyCredentials(agent.email, 'secret-pass')
  })

  test("one's own password is changed on the account page, not reset here", async ({ client }) => {
    const admin = await createUser('admin')
    const response = await client
      .put(`/users/${admin.id}/password`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ password: 'new-secret-9', passwordConfirmation: 'new-secret-9' })
      .redirects(0)
    response.assertStatus(403)
    await User.verifyCredentials(admin.email, 'secret-pass')
    const page = await client.get(`/users/${admin.id}/edit`).loginAs(admin)
    page.assertTextIncludes('Para cambiar tu propia contraseña')
  })
})
