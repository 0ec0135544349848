import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

test.group('Setup', (group) => {
  group.each.setup(() => resetDatabase())

  test('a fresh install sends every page to /setup', async ({ client }) => {
    const response = await client.get('/').redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/setup')
  })

  test('setup creates the organization and the first administrator and logs in', async ({
    client,
    assert,
  }) => {
    const response = await client
      .post('/setup')
      .withCsrfToken()
      .form({
        organizationName: 'Cooperativa Loja',
        defaultCountryCode: 'ec',
        defaultLocale: 'es',
        fullName: 'Ana Torres',
        email: 'Ana@Example.com',
        password: 'secret-pass',
        passwordConfirmation: 'secret-pass',
      })
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/')

    const admin = await User.query().preload('role').firstOrFail()
    assert.equal(admin.email, 'ana@example.com')
    assert.equal(admin.role.key, 'admin')
    const organization = await db.from('organizations').first()
    assert.equal(organization.default_country_code, 'EC')
  })

  test('bad setup input shows translated errors and saves nothing', async ({ client, assert }) => {
    const response = await client
      .post('/setup')
      .withCsrfToken()
      .header('referer', '/setup')
      .form({
        organizationName: 'X',
        defaultCountryCode: 'ECU',
        defaultLocale: 'fr',
        fullName: '',
        email: 'nope',
        password: 'short',
        passwordConfirmation: 'other',
      })
      .redirects(0)
    response.assertStatus(302)
    response.assertFlashMessage('inputErrorsBag', {
      organizationName: ['El campo nombre de la organización debe tener al menos 2 caracteres.'],
      defaultCountryCode: ['El campo país por defecto debe tener 2 caracteres.'],
      defaultLocale: ['Elige una opción válida para idioma.'],
      fullName: ['El campo nombre completo es obligatorio.'],
      email: ['Escribe un correo electrónico válido.'],
      password: ['El campo contraseña debe tener al menos 8 caracteres.'],
    })
    assert.equal(Number((await db.from('users').count('* as total'))[0].total), 0)
    assert.equal(Number((await db.from('organizations').count('* as total'))[0].total), 0)
  })

  test('setup is closed once an administrator exists', async ({ client, assert }) => {
    await createUser('admin')
    const page = await client.get('/setup').redirects(0)
    page.assertHeader('location', '/login')
    const post = await client
      .post('/setup')
      .withCsrfToken()
      .form({
        organizationName: 'Intruso',
        defaultCountryCode: 'EC',
        defaultLocale: 'es',
        fullName: 'Mallory',
        email: 'm@example.com',
        password: 'secret-pass',
        passwordConfirmation: 'secret-pass',
      })
      .redirects(0)
    post.assertStatus(302)
    assert.isNull(await User.findByEmail('m@example.com'))
  })
})

test.group('Login and logout', (group) => {
  group.each.setup(() => resetDatabase())

  test('a user logs in with email and password and logs out', async ({ client }) => {
    await createUser('agent', { email: 'luis@example.com', password: 'secret-pass' })
    const login = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: 'LUIS@example.com ', password: 'secret-pass' })
      .redirects(0)
    login.assertStatus(302)
    login.assertHeader('location', '/')
  })

  test('a wrong password is refused with a translated message', async ({ client }) => {
    await createUser('agent', { email: 'luis@example.com' })
    const login = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: 'luis@example.com', password: 'wrong-pass' })
      .redirects(0)
    login.assertHeader('location', '/login')
    login.assertFlashMessage('error', 'Correo o contraseña incorrectos.')
  })

  test('an inactive user cannot log in even with the right password', async ({ client }) => {
    await createUser('agent', { email: 'old@example.com', isActive: false })
    const login = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: 'old@example.com', password: 'secret-pass' })
      .redirects(0)
    login.assertHeader('location', '/login')
    login.assertFlashMessage('error', 'Tu usuario está inactivo. Consulta con un administrador.')
  })

  test('an inactivated user loses their running session on the next request', async ({
    client,
  }) => {
    const user = await createUser('agent')
    user.isActive = false
    await user.save()
    const response = await client.get('/').loginAs(user).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/login')
  })

  test('repeated failures are throttled, even for the right password afterwards', async ({
    client,
  }) => {
    await createUser('agent', { email: 'target@example.com' })
    for (let i = 0; i < 5; i++) {
      await client
        .post('/login')
        .withCsrfToken()
        .form({ email: 'target@example.com', password: `guess-${i}` })
        .redirects(0)
    }
    const blocked = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: 'target@example.com', password: 'secret-pass' })
      .redirects(0)
    blocked.assertHeader('location', '/login')
    blocked.assertFlashMessage(
      'error',
      'Demasiados intentos fallidos. Intenta de nuevo en 15 minuto(s).'
    )
  })

  test('logout ends the session', async ({ client }) => {
    const user = await createUser('agent')
    const response = await client.post('/logout').withCsrfToken().loginAs(user).redirects(0)
    response.assertHeader('location', '/login')
  })
})

test.group('Own password and language', (group) => {
  group.each.setup(() => resetDatabase())

  test('every role changes its own password after proving the current one', async ({
    client,
    assert,
  }) => {
    for (const role of ['admin', 'supervisor', 'agent']) {
      const user = await createUser(role)
      const response = await client
        .put('/account/password')
        .withCsrfToken()
        .loginAs(user)
        .header('referer', '/account/password')
        .form({
          currentPassword: 'secret-pass',
          password: 'new-secret-9',
          passwordConfirmation: 'new-secret-9',
        })
        .redirects(0)
      response.assertFlashMessage('success', 'Tu contraseña fue cambiada.')
      await User.verifyCredentials(user.email, 'new-secret-9')
      const audit = await db
        .from('audit_logs')
        .where({ action: 'user.password_changed', actor_id: user.id })
        .first()
      assert.exists(audit)
    }
  })

  test('a wrong current password changes nothing', async ({ client, assert }) => {
    const user = await createUser('agent')
    await client
      .put('/account/password')
      .withCsrfToken()
      .loginAs(user)
      .form({
        currentPassword: 'not-it',
        password: 'new-secret-9',
        passwordConfirmation: 'new-secret-9',
      })
      .redirects(0)
    await assert.rejects(() => User.verifyCredentials(user.email, 'new-secret-9'))
  })

  test('a user switches the interface to English', async ({ client }) => {
    const user = await createUser('agent')
    await client
      .put('/account/locale')
      .withCsrfToken()
      .loginAs(user)
      .form({ locale: 'en' })
      .redirects(0)
    const page = await client.get('/account/password').loginAs(user)
    page.assertTextIncludes('Change password')
  })
})

test.group('Health', (group) => {
  group.each.setup(() => resetDatabase())

  test('GET /health reports the database state as JSON', async ({ client }) => {
    const response = await client.get('/health')
    response.assertStatus(200)
    response.assertBodyContains({ status: 'ok', database: { status: 'up' } })
  })
})
