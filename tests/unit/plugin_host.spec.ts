import { test } from '@japa/runner'
import vine, { errors as vineErrors } from '@vinejs/vine'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import { definePlugin, type PluginDefinition } from '#plugin_host/contract'
import { PluginHost } from '#plugin_host/plugin_host'
import { PluginBootError, PluginError } from '#plugin_host/plugin_errors'
import { PluginStateWatcher } from '#plugin_host/plugin_state_watcher'
import { PermissionRegistry } from '#permissions/permission_registry'
import { Navigation } from '#services/navigation'
import { resetDatabase } from '#tests/helpers/fixtures'

/** A fresh host with its own registries, so inline test plugins never touch the app's. */
function makeHost(coreVersion = '0.1.0') {
  const permissions = new PermissionRegistry()
  const navigation = new Navigation()
  return { host: new PluginHost({ coreVersion, permissions, navigation }), permissions, navigation }
}

/** A minimal valid plugin; `extra` overrides manifest fields or hooks. */
function plugin(
  key: string,
  manifest: Partial<PluginDefinition['manifest']> = {},
  hooks: Partial<Omit<PluginDefinition, 'manifest'>> = {}
): PluginDefinition {
  return {
    manifest: {
      key,
      name: { es: `Plugin ${key}`, en: `Plugin ${key}` },
      description: { es: 'Prueba', en: 'Test' },
      version: '1.0.0',
      kind: 'feature',
      coreVersion: '>=0.1.0 <1.0.0',
      ...manifest,
    },
    ...hooks,
  }
}

/** Records what the host did to a plugin. */
function recorder() {
  const calls: string[] = []
  return {
    calls,
    hooks: {
      activate: () => void calls.push('activate'),
      deactivate: () => void calls.push('deactivate'),
      onSettingsChanged: () => void calls.push('settings'),
    },
  }
}

const probeSettings = vine.object({
  label: vine.string().trim().minLength(3),
  retries: vine.number().min(0).max(5),
  token: vine.string().minLength(6).optional(),
})

function probe(hooks: Partial<Omit<PluginDefinition, 'manifest'>> = {}) {
  return definePlugin({
    manifest: {
      ...plugin('probe').manifest,
      settings: {
        schema: probeSettings,
        defaults: { label: 'default label', retries: 2 },
        secrets: ['token'],
        fields: {
          label: { label: { es: 'Etiqueta', en: 'Label' }, type: 'text' },
          retries: { label: { es: 'Reintentos', en: 'Retries' }, type: 'number' },
          token: { label: { es: 'Token', en: 'Token' }, type: 'password' },
        },
      },
    },
    ...hooks,
  })
}

test.group('Plugin host / boot checks', () => {
  test('a duplicate key fails boot naming the plugin', async ({ assert }) => {
    const { host } = makeHost()
    await assert.rejects(
      () => host.load([plugin('sms_gateway'), plugin('sms_gateway')]),
      /Plugin "sms_gateway" cannot be loaded: another installed plugin already uses this key/
    )
  })

  test('a core-version mismatch fails boot naming the plugin and both versions', async ({
    assert,
  }) => {
    const { host } = makeHost('0.1.0')
    const error = await host.load([plugin('future', { coreVersion: '^2.0.0' })]).catch((e) => e)
    assert.instanceOf(error, PluginBootError)
    assert.equal(error.plugin, 'future')
    assert.include(error.message, 'Plugin "future"')
    assert.include(error.message, 'needs Chasqui ^2.0.0')
    assert.include(error.message, 'this is Chasqui 0.1.0')
  })

  test('a missing dependency fails boot naming the plugin and what it lacks', async ({
    assert,
  }) => {
    const { host } = makeHost()
    await assert.rejects(
      () => host.load([plugin('contact_sync', { dependencies: ['baileys'] })]),
      /Plugin "contact_sync" cannot be loaded: it depends on "baileys", which is not installed/
    )
  })

  test('a dependency in the wrong version fails boot', async ({ assert }) => {
    const { host } = makeHost()
    await assert.rejects(
      () =>
        host.load([
          plugin('base', { version: '1.4.0' }),
          plugin('addon', { dependencies: [{ key: 'base', version: '^2.0.0' }] }),
        ]),
      /Plugin "addon" cannot be loaded: it depends on "base" \^2.0.0, and 1.4.0 is installed/
    )
  })

  test('a dependency cycle fails boot naming the cycle', async ({ assert }) => {
    const { host } = makeHost()
    await assert.rejects(
      () =>
        host.load([
          plugin('alpha', { dependencies: ['beta'] }),
          plugin('beta', { dependencies: ['alpha'] }),
        ]),
      /dependency cycle: alpha → beta → alpha/
    )
  })

  test('an invalid manifest fails boot naming the plugin and the problem', async ({ assert }) => {
    const cases: [unknown, RegExp][] = [
      [plugin('bad_version', { version: 'one' }), /"bad_version".*version "one" is not semver/],
      [plugin('BadKey'), /"BadKey".*invalid manifest: key/],
      [plugin('no_kind', { kind: 'widget' as any }), /"no_kind".*invalid manifest: kind/],
      [
        plugin('bad_perm', {
          permissions: [
            { key: 'chats.delete', group: 'x', label: { es: 'a', en: 'a' }, defaults: [] },
          ],
        }),
        /"bad_perm".*must start with "bad_perm\."/,
      ],
      [
        plugin('no_field', {
          settings: { schema: vine.object({ url: vine.string() }), fields: {} as any },
        }),
        /"no_field".*settings field "url" has no entry in settings.fields/,
      ],
      [{ nope: true }, /"#1 in config\/plugins.ts".*default-export definePlugin/],
    ]
    for (const [definition, expected] of cases) {
      const { host } = makeHost()
      await assert.rejects(() => host.load([definition]), expected)
    }
  })

  test('register() must only declare: an async register fails boot', async ({ assert }) => {
    const { host } = makeHost()
    await assert.rejects(
      () => host.load([plugin('eager', {}, { register: (async () => {}) as any })]),
      /"eager".*register\(\) must declare synchronously/
    )
  })

  test('valid plugins register permissions (with their source) and nav entries, dependencies first', async ({
    assert,
  }) => {
    const { host, permissions, navigation } = makeHost()
    await host.load([
      plugin('addon', { dependencies: ['base'] }),
      plugin('base', {
        permissions: [
          { key: 'base.use', group: 'base', label: { es: 'Usar', en: 'Use' }, defaults: ['admin'] },
        ],
        nav: [{ key: 'main', label: { es: 'Base', en: 'Base' }, href: '/base' }],
      }),
    ])
    assert.deepEqual(
      host.plugins.map((p) => p.key),
      ['base', 'addon']
    )
    assert.equal(permissions.get('base.use')?.source, 'base')
    assert.isFalse(host.isActive('base'))
    assert.lengthOf(await navigation.for({ permissions: async () => new Set() } as any, 'es'), 0)
  })

  test('declarations are refused outside register()', async ({ assert }) => {
    const { host } = makeHost()
    await host.load([plugin('late', {}, { register: (ctx) => ctx.views('plugins/late/views') })])
    const ctx = host.find('late')!.context
    assert.throws(() => ctx.routes(() => {}), /can only be declared inside register\(\)/)
    await assert.rejects(() => ctx.events.emit('late:thing', {}), /may not emit "late:thing"/)
    assert.match(host.viewDisks[0].path, /plugins\/late\/views$/)
  })
})

test.group('Plugin host / runtime', (group) => {
  group.each.setup(() => resetDatabase())

  test('enable activates and persists; disable deactivates; both are audited', async ({
    assert,
  }) => {
    const { host } = makeHost()
    const probeRecorder = recorder()
    await host.load([plugin('worker', {}, probeRecorder.hooks)])
    await host.reloadStates()

    assert.isTrue(await host.enable('worker', null))
    assert.isTrue(host.isActive('worker'))
    assert.isTrue((await db.from('plugin_states').where('key', 'worker').firstOrFail()).enabled)

    assert.isTrue(await host.disable('worker', null))
    assert.isFalse(host.isActive('worker'))
    assert.deepEqual(probeRecorder.calls, ['activate', 'deactivate'])
    const actions = (await db.from('audit_logs').where('subject_id', 'worker').orderBy('id')).map(
      (r) => r.action
    )
    assert.deepEqual(actions, ['plugin.enabled', 'plugin.disabled'])
  })

  test('enabling needs the dependencies enabled; disabling is refused while a dependent is enabled', async ({
    assert,
  }) => {
    const { host } = makeHost()
    await host.load([plugin('base'), plugin('addon', { dependencies: ['base'] })])
    await host.reloadStates()

    const refused = await host.enable('addon', null).catch((e) => e)
    assert.instanceOf(refused, PluginError)
    assert.equal(refused.code, 'dependency_inactive')
    assert.equal(refused.params.dependency, 'base')

    await host.enable('base', null)
    await host.enable('addon', null)
    const blocked = await host.disable('base', null).catch((e) => e)
    assert.equal(blocked.code, 'required_by')
    assert.equal(blocked.params.dependents, 'addon')
    assert.isTrue(host.isActive('base'))

    await host.disable('addon', null)
    await host.disable('base', null)
    assert.isFalse(host.isActive('base'))
  })

  test('a plugin whose activate() throws stays disabled and a critical event names it', async ({
    assert,
  }) => {
    const { host } = makeHost()
    let cleanedUp = false
    await host.load([
      plugin(
        'broken',
        {},
        {
          activate: () => {
            throw new Error('socket refused')
          },
          deactivate: () => {
            cleanedUp = true
          },
        }
      ),
    ])
    const error = await host.enable('broken', null).catch((e) => e)
    assert.equal(error.code, 'activation_failed')
    assert.equal(error.params.message, 'socket refused')
    assert.isFalse(host.isActive('broken'))
    assert.isTrue(cleanedUp, 'deactivate() lets the plugin release a half-finished activate()')
    assert.isUndefined((await db.from('plugin_states').where('key', 'broken').first()) ?? undefined)
    const event = await db
      .from('system_events')
      .where({ source: 'broken', level: 'critical' })
      .firstOrFail()
    assert.equal(event.category, 'plugin.activation_failed')
    assert.include(event.message, 'socket refused')
  })

  test('at boot, an enabled plugin that cannot start is reported and left inactive', async ({
    assert,
  }) => {
    await db
      .table('plugin_states')
      .insert({ key: 'broken', enabled: true, created_at: new Date(), updated_at: new Date() })
    const { host } = makeHost()
    await host.load([
      plugin('broken', {}, { activate: () => Promise.reject(new Error('no network')) }),
    ])
    await host.reloadStates()
    assert.isFalse(host.isActive('broken'))
    assert.equal(host.find('broken')!.status(true), 'failed')
    assert.equal(host.find('broken')!.error, 'no network')
    // A poll with nothing changed does not retry (nor flood the log).
    await host.reloadStates()
    const events = await db
      .from('system_events')
      .where({ source: 'broken', category: 'plugin.activation_failed' })
    assert.lengthOf(events, 1)
  })

  test('another instance follows plugin_states: activates, applies new settings, deactivates', async ({
    assert,
  }) => {
    const first = makeHost().host
    const second = makeHost().host
    const seen = recorder()
    await first.load([probe()])
    await second.load([probe(seen.hooks)])
    await first.reloadStates()
    await second.reloadStates()

    await first.enable('probe', null)
    await second.reloadStates()
    assert.isTrue(second.isActive('probe'))

    await first.saveSettings('probe', { values: { label: 'new label', retries: '3' } }, null)
    await second.reloadStates()
    assert.equal(second.find('probe')!.context.settings.get().label, 'new label')

    await first.disable('probe', null)
    await second.reloadStates()
    assert.isFalse(second.isActive('probe'))
    assert.deepEqual(seen.calls, ['activate', 'settings', 'deactivate'])
  })

  test('listeners on core events run only while the plugin is active', async ({ assert }) => {
    const { host } = makeHost()
    const received: number[] = []
    await host.load([
      plugin(
        'listener',
        {},
        {
          register: (ctx) =>
            ctx.events.on('system_event:recorded', (event) => void received.push(event.id)),
        }
      ),
    ])
    await emitter.emit('system_event:recorded', {
      id: 1001,
      level: 'info',
      category: 't',
      source: 'core',
      message: 'm',
    })
    await host.enable('listener', null)
    await emitter.emit('system_event:recorded', {
      id: 1002,
      level: 'info',
      category: 't',
      source: 'core',
      message: 'm',
    })
    await host.disable('listener', null)
    await emitter.emit('system_event:recorded', {
      id: 1003,
      level: 'info',
      category: 't',
      source: 'core',
      message: 'm',
    })
    assert.notInclude(received, 1001)
    assert.include(received, 1002)
    assert.notInclude(received, 1003)
    // It also heard the core's own event about its enabling.
    const enabledEvent = await db
      .from('system_events')
      .where('category', 'plugin.enabled')
      .firstOrFail()
    assert.include(received, Number(enabledEvent.id))
  })
})

test.group('Plugin host / settings', (group) => {
  group.each.setup(() => resetDatabase())

  test('settings merge defaults, saved values and decrypted secrets; secrets are encrypted at rest', async ({
    assert,
  }) => {
    const { host } = makeHost()
    await host.load([probe()])
    await host.reloadStates()
    assert.deepEqual(host.find('probe')!.currentSettings(), { label: 'default label', retries: 2 })

    await host.saveSettings(
      'probe',
      { values: { label: 'Sucursal norte', retries: '4', token: 'tok-123456' } },
      null
    )
    const row = await db.from('plugin_states').where('key', 'probe').firstOrFail()
    assert.deepEqual(row.settings, { label: 'Sucursal norte', retries: 4 })
    assert.notInclude(row.secrets, 'tok-123456')
    assert.deepEqual(host.find('probe')!.currentSettings(), {
      label: 'Sucursal norte',
      retries: 4,
      token: 'tok-123456',
    })

    // A fresh process reads and decrypts the same values.
    const { host: restarted } = makeHost()
    await restarted.load([probe()])
    await restarted.reloadStates()
    assert.equal(restarted.find('probe')!.context.settings.get().token, 'tok-123456')

    const audit = await db
      .from('audit_logs')
      .where('action', 'plugin.settings_updated')
      .firstOrFail()
    assert.notInclude(JSON.stringify(audit), 'tok-123456')
    assert.deepEqual(audit.after.changedSecrets, ['token'])
  })

  test('a blank secret keeps the saved one; clearing removes it', async ({ assert }) => {
    const { host } = makeHost()
    await host.load([probe()])
    await host.saveSettings(
      'probe',
      { values: { label: 'one', retries: '1', token: 'tok-123456' } },
      null
    )
    await host.saveSettings('probe', { values: { label: 'two', retries: '1', token: null } }, null)
    assert.equal(host.find('probe')!.currentSettings().token, 'tok-123456')
    await host.saveSettings(
      'probe',
      { values: { label: 'three', retries: '1' }, clear: ['token'] },
      null
    )
    assert.isUndefined(host.find('probe')!.currentSettings().token)
    assert.isNull((await db.from('plugin_states').where('key', 'probe').firstOrFail()).secrets)
  })

  test('bad input is refused with the field named by its label and nothing is saved', async ({
    assert,
  }) => {
    const { host } = makeHost()
    await host.load([probe()])
    const i18n = (await import('@adonisjs/i18n/services/main')).default.locale('es')
    const { pluginMessagesProvider } = await import('#plugin_host/plugin_settings')
    const provider = pluginMessagesProvider(
      i18n.createMessagesProvider(),
      host.find('probe')!.manifest,
      'es'
    )
    const error = await host
      .saveSettings(
        'probe',
        { values: { label: 'x', retries: 'many', token: 'short' } },
        null,
        provider
      )
      .catch((e) => e)
    assert.instanceOf(error, vineErrors.E_VALIDATION_ERROR)
    const messages = Object.fromEntries(error.messages.map((m: any) => [m.field, m.message]))
    assert.equal(messages.label, 'El campo Etiqueta debe tener al menos 3 caracteres.')
    assert.equal(messages.retries, 'El campo Reintentos debe ser un número.')
    assert.isNull(await db.from('plugin_states').where('key', 'probe').first())
  })

  test("a secret copied into another plugin's row does not decrypt there", async ({ assert }) => {
    const { host } = makeHost()
    await host.load([probe()])
    await host.saveSettings(
      'probe',
      { values: { label: 'one', retries: '1', token: 'tok-123456' } },
      null
    )
    const cipher = (await db.from('plugin_states').where('key', 'probe').firstOrFail()).secrets
    const other = host.find('probe')!.settings
    assert.deepEqual(other.decrypt(cipher), { token: 'tok-123456' })
    const { PluginSettings } = await import('#plugin_host/plugin_settings')
    const stranger = new PluginSettings({ ...host.find('probe')!.manifest, key: 'stranger' })
    assert.isNull(stranger.decrypt(cipher))
  })
})

test.group('Plugin host / several instances', (group) => {
  group.each.setup(() => resetDatabase())

  test('a NOTIFY on chasqui_plugins reaches the watcher of every instance', async ({ assert }) => {
    let changes = 0
    const raw = db.getRawConnection(db.primaryConnectionName)!
    const watcher = new PluginStateWatcher({
      connection: raw.config.connection as any,
      onChange: async () => void (changes += 1),
      logger,
      pollMs: 0,
      debounceMs: 10,
    })
    await watcher.start()
    try {
      await db.rawQuery("SELECT pg_notify('chasqui_plugins', 'probe')")
      for (let i = 0; i < 50 && changes === 0; i++) await new Promise((r) => setTimeout(r, 20))
      assert.equal(changes, 1)
    } finally {
      await watcher.stop()
    }
  })
})
