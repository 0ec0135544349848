import { test } from '@japa/runner'
import { resetDatabase, createUser } from '#tests/helpers/fixtures'

test.group('Browser: first visit, login and the shell', (group) => {
  group.each.setup(() => resetDatabase())

  test('first visit runs setup, then the administrator logs out and back in', async ({
    visit,
    assert,
  }) => {
    const page = await visit('/')
    assert.include(page.url(), '/setup')

    await page.getByLabel('Nombre de la organización').fill('Cooperativa Loja')
    await page.getByLabel('Nombre completo').fill('Ana Torres')
    await page.getByLabel('Correo electrónico').fill('ana@example.com')
    await page.locator('#f-password').fill('secret-pass')
    await page.locator('#f-passwordConfirmation').fill('secret-pass')
    await page.getByRole('button', { name: 'Crear y entrar' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    assert.equal(await page.locator('h1').innerText(), 'Hola, Ana Torres')

    await page.locator('.user-menu summary').click()
    await page.getByRole('button', { name: 'Cerrar sesión' }).click()
    await page.waitForURL((url) => url.pathname === '/login')

    await page.getByLabel('Correo electrónico').fill('ana@example.com')
    await page.locator('#f-password').fill('wrong-pass')
    await page.getByRole('button', { name: 'Entrar' }).click()
    await page.waitForSelector('text=Correo o contraseña incorrectos.')
    // The typed email survives the failed attempt; the password does not.
    assert.equal(await page.getByLabel('Correo electrónico').inputValue(), 'ana@example.com')

    await page.locator('#f-password').fill('secret-pass')
    await page.getByRole('button', { name: 'Entrar' }).click()
    await page.waitForURL((url) => url.pathname === '/')
  })

  test('at phone width the navigation folds behind a menu button', async ({
    browserContext,
    assert,
  }) => {
    const user = await createUser('admin', { fullName: 'Rosa Mora' })
    await browserContext.loginAs(user)
    const page = await browserContext.newPage()
    await page.setViewportSize({ width: 375, height: 740 })
    await page.goto('/')
    const nav = page.locator('#main-nav')
    assert.isFalse(await nav.isVisible())
    await page.getByRole('button', { name: 'Menú' }).click()
    assert.isTrue(await nav.isVisible())
    assert.equal(
      await page.getByRole('button', { name: 'Menú' }).getAttribute('aria-expanded'),
      'true'
    )
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    assert.isAtMost(width, 375, 'no horizontal scrolling at phone width')
  })

  test('the interface switches to English for that user only', async ({
    browserContext,
    assert,
  }) => {
    const user = await createUser('agent')
    await browserContext.loginAs(user)
    const page = await browserContext.newPage()
    await page.goto('/')
    await page.locator('.user-menu summary').click()
    await page.getByLabel('Idioma').selectOption('en')
    await page.waitForSelector('text=Hello,')
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
  })
})
