import { createHmac } from 'node:crypto'
import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import type { Assert } from '@japa/assert'
import app from '@adonisjs/core/services/app'
import type { Kernel } from '@adonisjs/core/ace'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import Connection from '#models/connection'
import { createOrganization, createUser, resetDatabase } from '#tests/helpers/fixtures'
import type { GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import {
  FIXTURE_NUMBER,
  VERIFY_TOKEN,
  configurePlugin,
  metaConnection,
  startFake,
} from '#plugins/meta_cloud/tests/meta_harness'

/*
| Settings → Meta numbers per role, the credential checks against the
| (fake) Graph API with translated explanations, secrets never echoed, and
| the ace command with the same validation.
*/

let fake: GraphApiFake

const FORM = {
  name: 'Ventas Quito',
  phoneNumberId: FIXTURE_NUMBER.phoneNumberId,
  wabaId: FIXTURE_NUMBER.wabaId,
  accessToken: FIXTURE_NUMBER.accessToken,
  appSecret: FIXTURE_NUMBER.appSecret,
  verifyToken: VERIFY_TOKEN,
  markRead: 'true',
}

/**
 * An admin's form with bad credentials: explained in Spanish, the secret
 * not echoed, nothing saved.
 */
async function assertRefused(
  client: ApiClient,
  assert: Assert,
  refusal: { form: Partial<typeof FORM>; says: string; secret: string }
) {
  await ready()
  const admin = await createUser('admin')
  const response = await client
    .post('/meta-cloud/numbers')
    .withCsrfToken()
    .form({ ...FORM, ...refusal.form })
    .loginAs(admin)
  response.assertTextIncludes(refusal.says)
  assert.notInclude(response.text(), refusal.secret)
  assert.lengthOf(await Connection.all(), 0)
  assert.lengthOf(await db.from('meta_cloud_numbers'), 0)
}

async function runAce(name: string, argv: string[]) {
  const ace: Kernel = await app.container.make('ace')
  ace.ui.switchMode('raw')
  const command = await ace.exec(name, argv)
  return { exitCode: command.exitCode, logs: ace.ui.logger.getLogs().map((l) => l.message) }
}

async function ready() {
  await createOrganization()
  await pluginHost.enable('meta_cloud', null)
  await configurePlugin(fake)
}

test.group('Meta numbers / settings pages', (group) => {
  group.setup(async () => {
    fake = await startFake()
  })
  group.each.setup(async () => {
    await resetDatabase()
    fake.reset()
    fake.numbers.get(FIXTURE_NUMBER.phoneNumberId)!.tokenExpired = false
  })

  test('an administrator adds a number: checked, saved encrypted, webhook URL and verify token shown', async ({
    client,
    assert,
  }) => {
    await ready()
    const admin = await createUser('admin')
    const created = await client
      .post('/meta-cloud/numbers')
      .withCsrfToken()
      .form(FORM)
      .loginAs(admin)
      .redirects(0)
    created.assertStatus(302)
    const connection = await Connection.query().where('plugin_key', 'meta_cloud').firstOrFail()
    assert.equal(created.header('location'), `/meta-cloud/numbers/${connection.id}/edit`)
    assert.equal(connection.name, 'Ventas Quito')
    assert.equal(connection.phoneE164, '+15550001234')
    assert.equal(connection.sendRatePerSecond, 80)

    const row = await db.from('meta_cloud_numbers').firstOrFail()
    assert.notInclude(row.access_token_encrypted, FIXTURE_NUMBER.accessToken)
    assert.notInclude(row.app_secret_encrypted, FIXTURE_NUMBER.appSecret)
    assert.equal(row.verified_name, FIXTURE_NUMBER.verifiedName)

    const page = await client.get(`/meta-cloud/numbers/${connection.id}/edit`).loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('/webhooks/meta')
    page.assertTextIncludes(VERIFY_TOKEN)
    assert.notInclude(page.text(), FIXTURE_NUMBER.accessToken)
    assert.notInclude(page.text(), FIXTURE_NUMBER.appSecret)
    // Templates were synced from the WABA on save; only approved ones are listed.
    page.assertTextIncludes('seguimiento')
    assert.notInclude(page.text(), 'promo_vieja')

    const list = await client.get('/meta-cloud/numbers').loginAs(admin)
    list.assertStatus(200)
    list.assertTextIncludes(FIXTURE_NUMBER.phoneNumberId)
  })

  test('a bad token is explained in the user language and nothing is saved', async ({
    client,
    assert,
  }) => {
    await assertRefused(client, assert, {
      form: { accessToken: 'EAAGwrongtoken000000' },
      says: 'Meta no acepta el token de acceso',
      secret: 'EAAGwrongtoken000000',
    })
  })

  test('an expired token, an unknown number and a foreign WABA each get their own explanation', async ({
    client,
  }) => {
    await ready()
    const admin = await createUser('admin')
    fake.numbers.get(FIXTURE_NUMBER.phoneNumberId)!.tokenExpired = true
    const expired = await client
      .post('/meta-cloud/numbers')
      .withCsrfToken()
      .form(FORM)
      .loginAs(admin)
    expired.assertTextIncludes('El token de acceso caducó')
    fake.numbers.get(FIXTURE_NUMBER.phoneNumberId)!.tokenExpired = false

    const unknown = await client
      .post('/meta-cloud/numbers')
      .withCsrfToken()
      .form({ ...FORM, phoneNumberId: '123456789012' })
      .loginAs(admin)
    unknown.assertTextIncludes('Meta no encuentra ese identificador de número')

    const foreign = await client
      .post('/meta-cloud/numbers')
      .withCsrfToken()
      .form({ ...FORM, wabaId: '99999999999' })
      .loginAs(admin)
    foreign.assertTextIncludes('Meta no encuentra esa cuenta de WhatsApp Business')
  })

  test('a wrong app secret is found when saving (Meta refuses its appsecret_proof); nothing is saved', async ({
    client,
    assert,
  }) => {
    await assertRefused(client, assert, {
      form: { appSecret: 'not-the-apps-secret-0000' },
      says: 'La clave secreta de la app no corresponde a la app del token',
      secret: 'not-the-apps-secret-0000',
    })
  })

  test('an app with "Require app secret" on works: every Graph call carries the proof', async ({
    client,
    assert,
  }) => {
    await ready()
    const number = fake.numbers.get(FIXTURE_NUMBER.phoneNumberId)!
    number.requireAppSecretProof = true
    try {
      const admin = await createUser('admin')
      await client.post('/meta-cloud/numbers').withCsrfToken().form(FORM).loginAs(admin)
      const connection = await Connection.query().where('plugin_key', 'meta_cloud').firstOrFail()
      assert.equal(connection.name, FORM.name)
      const graphCalls = fake.requests.filter((request) => /^\/v\d+\.\d+\//.test(request.path))
      assert.isAbove(graphCalls.length, 1)
      const expected = createHmac('sha256', FIXTURE_NUMBER.appSecret)
        .update(FIXTURE_NUMBER.accessToken)
        .digest('hex')
      for (const request of graphCalls) assert.equal(request.query.appsecret_proof, expected)
    } finally {
      number.requireAppSecretProof = false
    }
  })

  test('invalid input is refused with field errors; secrets are not flashed back', async ({
    client,
    assert,
  }) => {
    await ready()
    const admin = await createUser('admin')
    const response = await client
      .post('/meta-cloud/numbers')
      .withCsrfToken()
      .form({ ...FORM, phoneNumberId: 'abc' })
      .loginAs(admin)
    response.assertStatus(200)
    assert.include(response.text(), 'field--error')
    assert.notInclude(response.text(), FIXTURE_NUMBER.accessToken)
    assert.lengthOf(await Connection.all(), 0)
  })

  test('editing with blank secrets keeps them; a taken phone number id is refused', async ({
    client,
    assert,
  }) => {
    await ready()
    const admin = await createUser('admin')
    const connection = await metaConnection(fake)
    const saved = await client
      .post(`/meta-cloud/numbers/${connection.id}`)
      .withCsrfToken()
      .form({ ...FORM, name: 'Ventas Guayaquil', accessToken: '', appSecret: '' })
      .loginAs(admin)
    saved.assertTextIncludes('Cambios guardados')
    await connection.refresh()
    assert.equal(connection.name, 'Ventas Guayaquil')
    const { default: numbers } = await import('#plugins/meta_cloud/numbers/meta_numbers')
    numbers.invalidate()
    assert.equal(
      (await numbers.byConnection(connection.id))!.accessToken,
      FIXTURE_NUMBER.accessToken
    )

    const again = await client.post('/meta-cloud/numbers').withCsrfToken().form(FORM).loginAs(admin)
    again.assertTextIncludes('Ese número ya está configurado en otra conexión')
    assert.lengthOf(await Connection.all(), 1)
  })

  test('supervisors and agents are refused; guests go to login', async ({ client, assert }) => {
    await ready()
    const connection = await metaConnection(fake)
    for (const role of ['supervisor', 'agent'] as const) {
      const user = await createUser(role)
      for (const path of [
        '/meta-cloud/numbers',
        '/meta-cloud/numbers/new',
        `/meta-cloud/numbers/${connection.id}/edit`,
      ]) {
        const response = await client.get(path).loginAs(user).redirects(0)
        response.assertStatus(403)
      }
      const post = await client
        .post('/meta-cloud/numbers')
        .withCsrfToken()
        .form({ ...FORM, phoneNumberId: '100000000000009' })
        .loginAs(user)
        .redirects(0)
      post.assertStatus(403)
      const update = await client
        .post(`/meta-cloud/numbers/${connection.id}`)
        .withCsrfToken()
        .form({ ...FORM, name: 'hack' })
        .loginAs(user)
        .redirects(0)
      update.assertStatus(403)
    }
    const guest = await client.get('/meta-cloud/numbers').redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
    await connection.refresh()
    assert.equal(connection.name, 'Ventas')
  })

  test('while the plugin is disabled the pages and the webhook answer 404', async ({ client }) => {
    await createOrganization()
    const admin = await createUser('admin')
    const page = await client.get('/meta-cloud/numbers').loginAs(admin)
    page.assertStatus(404)
    const hook = await client.get('/webhooks/meta').qs({ 'hub.mode': 'subscribe' })
    hook.assertStatus(404)
  })
})

test.group('Meta numbers / ace command', (group) => {
  group.setup(async () => {
    fake ??= await startFake()
  })
  group.each.setup(async () => {
    await resetDatabase()
    fake.reset()
  })

  test('meta_cloud:add creates a checked connection non-interactively', async ({ assert }) => {
    await ready()
    const { exitCode, logs } = await runAce('meta_cloud:add', [
      '--name',
      'Cobranzas',
      '--phone-number-id',
      FIXTURE_NUMBER.phoneNumberId,
      '--waba-id',
      FIXTURE_NUMBER.wabaId,
      '--access-token',
      FIXTURE_NUMBER.accessToken,
      '--app-secret',
      FIXTURE_NUMBER.appSecret,
      '--verify-token',
      VERIFY_TOKEN,
    ])
    assert.equal(exitCode, 0)
    assert.isTrue(logs.some((line) => line.includes('Cobranzas')))
    const connection = await Connection.query().where('plugin_key', 'meta_cloud').firstOrFail()
    assert.equal(connection.name, 'Cobranzas')
  })

  test('meta_cloud:add refuses bad credentials with the same explanation, saving nothing', async ({
    assert,
  }) => {
    await ready()
    const { exitCode, logs } = await runAce('meta_cloud:add', [
      '--name',
      'Cobranzas',
      '--phone-number-id',
      FIXTURE_NUMBER.phoneNumberId,
      '--waba-id',
      FIXTURE_NUMBER.wabaId,
      '--access-token',
      'EAAGwrongtoken000000',
      '--app-secret',
      FIXTURE_NUMBER.appSecret,
      '--verify-token',
      VERIFY_TOKEN,
    ])
    assert.equal(exitCode, 1)
    assert.isTrue(logs.some((line) => line.includes('Meta no acepta el token de acceso')))
    assert.lengthOf(await Connection.all(), 0)
  })
})
