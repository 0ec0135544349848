import { test } from '@japa/runner'
import Organization from '#models/organization'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'

const VALID = {
  name: 'Cooperativa Loja',
  defaultCountryCode: 'PE',
  defaultLocale: 'es',
  timezone: 'America/Lima',
}

test.group('Organization settings', (group) => {
  group.each.setup(() => resetDatabase())

  test('an admin sees the current settings with country names and calling codes', async ({
    client,
  }) => {
    const admin = await createUser('admin')
    const page = await client.get('/settings/organization').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Configuración de la organización')
    page.assertTextIncludes('value="Cooperativa Andina"')
    page.assertTextIncludes('<option value="EC" selected>Ecuador (+593)</option>')
    page.assertTextIncludes('<option value="America/Guayaquil" selected>')
  })

  test('an admin saves the settings; the change is audited with before and after', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const response = await client
      .put('/settings/organization')
      .withCsrfToken()
      .loginAs(admin)
      .form(VALID)
      .redirects(0)
    response.assertHeader('location', '/settings/organization')
    response.assertFlashMessage('success', 'Configuración guardada.')
    const organization = await Organization.current()
    assert.deepInclude(organization!.serialize(), {
      name: 'Cooperativa Loja',
      defaultCountryCode: 'PE',
      timezone: 'America/Lima',
    })
    const [audit] = await auditEntries('organization.updated')
    assert.equal(audit.actor_id, admin.id)
    assert.deepEqual(audit.before, {
      name: 'Cooperativa Andina',
      defaultCountryCode: 'EC',
      defaultLocale: 'es',
      timezone: 'America/Guayaquil',
    })
    assert.deepEqual(audit.after, { ...VALID })
  })

  test('the default language applies to users who did not choose one', async ({ client }) => {
    const admin = await createUser('admin')
    await client
      .put('/settings/organization')
      .withCsrfToken()
      .loginAs(admin)
      .form({ ...VALID, defaultLocale: 'en' })
      .redirects(0)
    const page = await client.get('/settings/organization').loginAs(admin)
    page.assertTextIncludes('Organization settings')
  })

  test('supervisors and agents cannot see or change global settings', async ({
    client,
    assert,
  }) => {
    for (const key of ['supervisor', 'agent']) {
      const user = await createUser(key)
      const page = await client.get('/settings/organization').loginAs(user)
      page.assertStatus(403)
      page.assertTextIncludes('No tienes permiso para realizar esta acción.')
      const save = await client
        .put('/settings/organization')
        .withCsrfToken()
        .loginAs(user)
        .form(VALID)
        .redirects(0)
      save.assertStatus(403)
    }
    assert.equal((await Organization.current())!.name, 'Cooperativa Andina')
    assert.lengthOf(await auditEntries('organization.updated'), 0)
  })

  test('bad input shows translated messages and saves nothing', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const response = await client
      .put('/settings/organization')
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/settings/organization')
      .form({ name: 'X', defaultCountryCode: 'XX', defaultLocale: 'fr', timezone: 'Mars/Olympus' })
      .redirects(0)
    response.assertHeader('location', '/settings/organization')
    response.assertFlashMessage('inputErrorsBag', {
      name: ['El campo nombre debe tener al menos 2 caracteres.'],
      defaultCountryCode: ['Elige una opción válida para país por defecto.'],
      defaultLocale: ['Elige una opción válida para idioma.'],
      timezone: ['Elige una opción válida para zona horaria.'],
    })
    const page = await client
      .get('/settings/organization')
      .loginAs(admin)
      .withFlashMessages(response.flashMessages())
    page.assertTextIncludes('Elige una opción válida para zona horaria.')
    assert.equal((await Organization.current())!.name, 'Cooperativa Andina')
    assert.lengthOf(await auditEntries('organization.updated'), 0)
  })

  test('the navigation shows Settings to admins only', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const adminHome = await client.get('/').loginAs(admin)
    for (const href of ['/users', '/roles', '/settings/organization'])
      assert.include(adminHome.text(), `href="${href}"`)
    const supervisorHome = await client.get('/').loginAs(supervisor)
    assert.include(supervisorHome.text(), 'href="/users"')
    assert.notInclude(supervisorHome.text(), 'href="/roles"')
    assert.notInclude(supervisorHome.text(), 'href="/settings/organization"')
    const agentHome = await client.get('/').loginAs(agent)
    assert.notInclude(agentHome.text(), 'href="/users"')
  })
})
