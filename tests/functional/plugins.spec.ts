import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import permissionRegistry from '#permissions/permission_registry'
import Role from '#models/role'
import PluginList from '../../commands/plugin_list.js'
import PluginEnable from '../../commands/plugin_enable.js'
import PluginDisable from '../../commands/plugin_disable.js'
import heartbeat from '#plugins/hello/heartbeat'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Settings → Plugins and the plugin host end to end, with the example
| plugin `hello` (plugins/hello) as the installed plugin.
*/

const NOT_FOUND = 'La página que buscas no existe.'
const FORBIDDEN = 'No tienes permiso para realizar esta acción.'

test.group('Settings → Plugins / access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('an administrator sees every installed plugin with its version, kind and state', async ({
    client,
  }) => {
    const admin = await createUser('admin')
    const page = await client.get('/settings/plugins').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Plugin de ejemplo: una página de saludo configurable.')
    page.assertTextIncludes('Versión 0.1.0')
    page.assertTextIncludes('Función')
    page.assertTextIncludes('Deshabilitado')
    page.assertTextIncludes('href="/settings/plugins"')
  })

  test('supervisors and agents get 403 on the page and on every action', async ({
    client,
    assert,
  }) => {
    for (const role of ['supervisor', 'agent']) {
      const user = await createUser(role)
      const requests = [
        client.get('/settings/plugins'),
        client.post('/settings/plugins/hello/activation').withCsrfToken(),
        client.delete('/settings/plugins/hello/activation').withCsrfToken(),
        client.get('/settings/plugins/hello/settings'),
        client
          .put('/settings/plugins/hello/settings')
          .withCsrfToken()
          .form({ greeting: 'Intruso', tone: 'formal', repeat: '1' }),
      ]
      for (const request of requests) {
        const response = await request.loginAs(user).redirects(0)
        response.assertStatus(403)
        response.assertTextIncludes(FORBIDDEN)
      }
      const home = await client.get('/').loginAs(user)
      assert.notInclude(home.text(), 'href="/settings/plugins"')
    }
    assert.isNull(await db.from('plugin_states').first())
  })

  test('a guest is sent to the login page', async ({ client }) => {
    const response = await client.get('/settings/plugins').redirects(0)
    response.assertStatus(302)
  })
})

test.group('Settings → Plugins / enable and disable', (group) => {
  group.each.setup(() => resetDatabase())

  test("a disabled plugin's routes answer the core 404 and its nav entry is hidden", async ({
    client,
    assert,
  }) => {
    const agent = await createUser('agent')
    const response = await client.get('/hello').loginAs(agent)
    response.assertStatus(404)
    response.assertTextIncludes(NOT_FOUND)
    const guest = await client.get('/hello').redirects(0)
    guest.assertStatus(404)
    const home = await client.get('/').loginAs(agent)
    assert.notInclude(home.text(), 'href="/hello"')
  })

  test('enabling runs activate, serves /hello and shows its nav entry, without a restart', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const activations = heartbeat.activations

    const enable = await client
      .post('/settings/plugins/hello/activation')
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    enable.assertHeader('location', '/settings/plugins')
    enable.assertFlashMessage('success', 'Hola fue habilitado.')
    assert.equal(heartbeat.activations, activations + 1)
    assert.isTrue(heartbeat.running)

    const hello = await client.get('/hello').loginAs(agent)
    hello.assertStatus(200)
    hello.assertTextIncludes('¡Hola!')
    hello.assertTextIncludes('sin configurar')
    // The plugin's own lang files (plugins/hello/lang) answer in each user's language.
    const english = await client.get('/hello').loginAs(await createUser('agent', { locale: 'en' }))
    english.assertTextIncludes('Visits')
    english.assertTextIncludes('not set')
    const home = await client.get('/').loginAs(agent)
    assert.include(home.text(), 'href="/hello"')

    const row = await db.from('plugin_states').where('key', 'hello').firstOrFail()
    assert.isTrue(row.enabled)
    assert.equal(row.installed_version, '0.1.0')
    assert.equal(row.updated_by, admin.id)
    const audit = await db
      .from('audit_logs')
      .where({ action: 'plugin.enabled', subject_id: 'hello' })
      .firstOrFail()
    assert.equal(audit.actor_id, admin.id)
    const event = await db
      .from('system_events')
      .where({ category: 'plugin.enabled', source: 'hello' })
      .first()
    assert.exists(event)

    const list = await client.get('/settings/plugins').loginAs(admin)
    list.assertTextIncludes('aria-checked="true"')
  })

  test('disabling runs deactivate, /hello answers 404 and the nav entry is gone', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await pluginHost.enable('hello', admin.id)
    const deactivations = heartbeat.deactivations

    const disable = await client
      .delete('/settings/plugins/hello/activation')
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    disable.assertFlashMessage('success', 'Hola fue deshabilitado.')
    assert.equal(heartbeat.deactivations, deactivations + 1)
    assert.isFalse(heartbeat.running)

    const hello = await client.get('/hello').loginAs(admin)
    hello.assertStatus(404)
    hello.assertTextIncludes(NOT_FOUND)
    const home = await client.get('/').loginAs(admin)
    assert.notInclude(home.text(), 'href="/hello"')
    assert.isFalse((await db.from('plugin_states').where('key', 'hello').firstOrFail()).enabled)
    assert.exists(
      await db
        .from('audit_logs')
        .where({ action: 'plugin.disabled', subject_id: 'hello', actor_id: admin.id })
        .first()
    )
  })

  test('an unknown plugin key is refused with a translated message', async ({ client }) => {
    const admin = await createUser('admin')
    const response = await client
      .post('/settings/plugins/nope/activation')
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    response.assertFlashMessage('error', 'Ese plugin no está instalado.')
  })

  test("the plugin's permission is in the roles matrix with its source and granted by default", async ({
    assert,
  }) => {
    assert.equal(permissionRegistry.get('hello.view')?.source, 'hello')
    const agent = await Role.findByOrFail('key', 'agent')
    assert.isTrue((await agent.permissionKeys()).has('hello.view'))
  })

  test("a user without the plugin's permission gets 403 from its route", async ({ client }) => {
    const agent = await createUser('agent')
    await db
      .from('role_permissions')
      .where({ role_id: agent.roleId, permission_key: 'hello.view' })
      .delete()
    await pluginHost.enable('hello', null)
    const response = await client.get('/hello').loginAs(agent)
    response.assertStatus(403)
  })
})

test.group('Settings → Plugins / settings form', (group) => {
  group.each.setup(() => resetDatabase())

  test('the form is generated from the manifest', async ({ client }) => {
    const admin = await createUser('admin')
    const page = await client.get('/settings/plugins/hello/settings').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Configuración de Hola')
    page.assertTextIncludes('name="greeting"')
    page.assertTextIncludes('value="¡Hola!"')
    page.assertTextIncludes('<select id="f-tone" name="tone"')
    page.assertTextIncludes('type="number"')
    page.assertTextIncludes('type="checkbox" id="f-shout"')
    page.assertTextIncludes('name="apiToken" type="password" value=""')
  })

  test('bad input shows translated errors and saves nothing', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const response = await client
      .put('/settings/plugins/hello/settings')
      .withCsrfToken()
      .loginAs(admin)
      .form({ greeting: 'x', tone: 'rude', repeat: '9', apiToken: 'short' })
      .redirects(0)
    response.assertHeader('location', '/settings/plugins/hello/settings')
    response.assertFlashMessage('inputErrorsBag', {
      greeting: ['El campo Saludo debe tener al menos 2 caracteres.'],
      tone: ['Elige una opción válida para Tono.'],
      repeat: ['El campo Repeticiones no puede ser mayor que 5.'],
      apiToken: ['El campo Token de API debe tener al menos 8 caracteres.'],
    })
    // Other fields come back to the form; a typed secret is never flashed.
    response.assertFlashMessage('greeting', 'x')
    response.assertFlashMissing('apiToken')
    assert.isNull(await db.from('plugin_states').where('key', 'hello').first())
    assert.isNull(await db.from('audit_logs').where('action', 'plugin.settings_updated').first())
  })

  test('an English user gets the errors in English', async ({ client }) => {
    const admin = await createUser('admin', { locale: 'en' })
    const response = await client
      .put('/settings/plugins/hello/settings')
      .withCsrfToken()
      .loginAs(admin)
      .form({ greeting: 'x', tone: 'friendly', repeat: '1' })
      .redirects(0)
    response.assertFlashMessage('inputErrorsBag', {
      greeting: ['The Greeting field must have at least 2 characters.'],
    })
  })

  test('a secret is stored encrypted, never shown again, and only its presence is reported', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const token = 'tok-super-secret-4242'
    const save = await client
      .put('/settings/plugins/hello/settings')
      .withCsrfToken()
      .loginAs(admin)
      .form({
        greeting: 'Buenos días',
        tone: 'formal',
        repeat: '2',
        shout: 'true',
        apiToken: token,
      })
      .redirects(0)
    save.assertFlashMessage('success', 'Configuración del plugin guardada.')

    const row = await db.from('plugin_states').where('key', 'hello').firstOrFail()
    assert.deepEqual(row.settings, {
      greeting: 'Buenos días',
      tone: 'formal',
      repeat: 2,
      shout: true,
    })
    assert.isString(row.secrets)
    assert.notInclude(row.secrets, token)
    assert.notInclude(JSON.stringify(row.settings), token)

    const form = await client.get('/settings/plugins/hello/settings').loginAs(admin)
    assert.notInclude(form.text(), token)
    form.assertTextIncludes('•••• guardado; déjalo en blanco para conservarlo.')
    form.assertTextIncludes('value="Buenos días"')

    const audit = await db
      .from('audit_logs')
      .where('action', 'plugin.settings_updated')
      .firstOrFail()
    assert.equal(audit.actor_id, admin.id)
    assert.deepEqual(audit.after.changedSecrets, ['apiToken'])
    assert.notInclude(JSON.stringify(audit), token)

    // The running plugin reads the new settings (greeting repeated, upper case, token present).
    await pluginHost.enable('hello', admin.id)
    const hello = await client.get('/hello').loginAs(admin)
    hello.assertTextIncludes('BUENOS DÍAS BUENOS DÍAS')
    hello.assertTextIncludes('guardado')
    assert.notInclude(hello.text(), token)
  })

  test('saving without a secret keeps the saved one; an unchecked box is false', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const form = { greeting: 'Hola', tone: 'friendly', repeat: '1' }
    await client
      .put('/settings/plugins/hello/settings')
      .withCsrfToken()
      .loginAs(admin)
      .form({ ...form, shout: 'true', apiToken: 'first-token-123' })
      .redirects(0)
    await client
      .put('/settings/plugins/hello/settings')
      .withCsrfToken()
      .loginAs(admin)
      .form({ ...form, apiToken: '' })
      .redirects(0)
    const settings = pluginHost.find('hello')!.currentSettings()
    assert.equal(settings.apiToken, 'first-token-123')
    assert.isFalse(settings.shout)
  })
})

test.group('Plugin ace commands', (group) => {
  group.each.setup(() => resetDatabase())

  async function run(command: any, argv: string[]) {
    const ace = await app.container.make('ace')
    ace.ui.switchMode('raw')
    const instance = await ace.create(command, argv)
    await instance.exec()
    return {
      instance,
      logs: ace.ui.logger
        .getLogs()
        .map((log) => log.message)
        .join('\n'),
    }
  }

  test('plugin:enable and plugin:disable follow the same rules as the page, audited without an actor', async ({
    assert,
  }) => {
    const enabled = await run(PluginEnable, ['hello'])
    enabled.instance.assertSucceeded()
    assert.include(enabled.logs, 'Hola fue habilitado.')
    assert.isTrue(pluginHost.isActive('hello'))
    const audit = await db.from('audit_logs').where('action', 'plugin.enabled').firstOrFail()
    assert.isNull(audit.actor_id)

    const listed = await run(PluginList, [])
    listed.instance.assertSucceeded()
    assert.match(listed.logs, /hello.*0\.1\.0.*feature.*sí/)

    const disabled = await run(PluginDisable, ['hello'])
    disabled.instance.assertSucceeded()
    assert.isFalse(pluginHost.isActive('hello'))
  })

  test('an unknown key ends with a clear message and a non-zero exit code', async ({ assert }) => {
    const result = await run(PluginEnable, ['whatsapp_magic'])
    result.instance.assertFailed()
    assert.equal(result.instance.exitCode, 1)
    assert.include(result.logs, 'Ese plugin no está instalado.')
  })
})
