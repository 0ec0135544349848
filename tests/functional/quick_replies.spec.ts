import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import QuickReply from '#models/quick_reply'
import type User from '#models/user'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'

async function createReply(
  shortcut: string,
  overrides: Partial<Pick<QuickReply, 'title' | 'body' | 'isActive' | 'createdBy'>> = {}
) {
  return QuickReply.create({
    shortcut,
    title: `Título ${shortcut}`,
    body: 'Hola {{contact_name}}, su saldo es {{balance}}.',
    isActive: true,
    createdBy: null,
    ...overrides,
  })
}

async function replyCount() {
  return Number((await db.from('quick_replies').count('* as total').first()).total)
}

function routes(client: any, reply: QuickReply) {
  return [
    client.get('/quick-replies'),
    client.get('/quick-replies/create'),
    client.post('/quick-replies').form({ shortcut: 'intruso', title: 'X', body: 'Hola' }),
    client.get(`/quick-replies/${reply.id}/edit`),
    client.put(`/quick-replies/${reply.id}`).form({ shortcut: 'otro', title: 'X', body: 'Hola' }),
    client.put(`/quick-replies/${reply.id}/status`).form({ isActive: '0' }),
  ]
}

test.group('Quick replies page · access per role', (group) => {
  group.each.setup(() => resetDatabase())

  test('admin and supervisor reach every route', async ({ client, assert }) => {
    for (const key of ['admin', 'supervisor']) {
      const user = await createUser(key)
      const reply = await createReply(`saludo-${key}`)
      const list = await client.get('/quick-replies').loginAs(user)
      list.assertStatus(200)
      list.assertTextIncludes('Respuestas rápidas')
      list.assertTextIncludes(`/saludo-${key}`)
      ;(await client.get('/quick-replies/create').loginAs(user)).assertStatus(200)
      ;(await client.get(`/quick-replies/${reply.id}/edit`).loginAs(user)).assertStatus(200)
      const store = await client
        .post('/quick-replies')
        .withCsrfToken()
        .loginAs(user)
        .form({ shortcut: `nuevo-${key}`, title: 'Nuevo', body: 'Hola {{agent_name}}' })
        .redirects(0)
      store.assertHeader('location', '/quick-replies')
      const update = await client
        .put(`/quick-replies/${reply.id}`)
        .withCsrfToken()
        .loginAs(user)
        .form({ shortcut: `saludo2-${key}`, title: 'Saludo', body: 'Buenos días' })
        .redirects(0)
      update.assertHeader('location', '/quick-replies')
      const status = await client
        .put(`/quick-replies/${reply.id}/status`)
        .withCsrfToken()
        .loginAs(user)
        .header('referer', '/quick-replies')
        .form({ isActive: '0' })
        .redirects(0)
      status.assertHeader('location', '/quick-replies')
      await reply.refresh()
      assert.isFalse(reply.isActive)
      assert.equal(reply.shortcut, `saludo2-${key}`)
    }
  })

  test('an agent gets 403 on every route and nothing changes', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const reply = await createReply('saludo')
    for (const request of routes(client, reply)) {
      const response = await request.withCsrfToken().loginAs(agent).redirects(0)
      response.assertStatus(403)
    }
    await reply.refresh()
    assert.equal(reply.shortcut, 'saludo')
    assert.isTrue(reply.isActive)
    assert.equal(await replyCount(), 1)
  })

  test('a guest is sent to /login from every route', async ({ client }) => {
    await createUser('admin')
    const reply = await createReply('saludo')
    for (const request of routes(client, reply)) {
      const response = await request.withCsrfToken().redirects(0)
      response.assertStatus(302)
      response.assertHeader('location', '/login')
    }
  })

  test('the nav shows Respuestas rápidas to supervisors and not to agents', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    ;(await client.get('/').loginAs(supervisor)).assertTextIncludes('href="/quick-replies"')
    const page = await client.get('/').loginAs(agent)
    assert.notInclude(page.text(), 'href="/quick-replies"')
  })
})

test.group('Quick replies page · create, edit, search', (group) => {
  group.each.setup(() => resetDatabase())

  async function post(client: any, user: User, form: Record<string, string>) {
    return client
      .post('/quick-replies')
      .withCsrfToken()
      .loginAs(user)
      .header('referer', '/quick-replies/create')
      .form(form)
      .redirects(0)
  }

  test('creating a reply saves it with its creator and audits it', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Cobros' })
    const response = await post(client, admin, {
      shortcut: 'Saldo',
      title: 'Saldo pendiente',
      body: 'Hola {{contact_name}}, su saldo es {{ balance }} con {{days_overdue}} días de mora.',
    })
    response.assertHeader('location', '/quick-replies')
    response.assertFlashMessage('success', 'Respuesta rápida /saldo creada.')
    const reply = await QuickReply.findByOrFail('shortcut', 'saldo')
    assert.equal(reply.title, 'Saldo pendiente')
    assert.equal(reply.createdBy, admin.id)
    assert.isTrue(reply.isActive)

    const [entry] = await auditEntries('quick_reply.created')
    assert.equal(entry.actor_id, admin.id)
    assert.equal(entry.subject_type, 'quick_reply')
    assert.equal(entry.subject_id, String(reply.id))
    assert.isNull(entry.before)
    assert.equal(entry.after.shortcut, 'saldo')

    const page = await client.get('/quick-replies').loginAs(admin)
    page.assertTextIncludes(`<tr id="quick-reply-${reply.id}">`)
    page.assertTextIncludes('<code>/saldo</code>')
    page.assertTextIncludes('Saldo pendiente')
    page.assertTextIncludes('Ana Cobros')

    const audit = await client.get('/audit').loginAs(admin)
    audit.assertTextIncludes('Creó una respuesta rápida')
    audit.assertTextIncludes(`Respuesta rápida #${reply.id}`)
  })

  test('the form lists the allowed variables', async ({ client }) => {
    const admin = await createUser('admin')
    const page = await client.get('/quick-replies/create').loginAs(admin)
    page.assertTextIncludes('Variables disponibles')
    page.assertTextIncludes(
      '{{agent_name}}, {{holder}}, {{balance}}, {{days_overdue}}, {{contact_name}}'
    )
  })

  test('a shortcut with spaces or symbols is refused', async ({ client, assert }) => {
    const admin = await createUser('admin')
    for (const shortcut of ['saldo pendiente', '/saldo', 'saldo!', 'ñandú']) {
      const response = await post(client, admin, { shortcut, title: 'Saldo', body: 'Hola' })
      response.assertFlashMessage('inputErrorsBag', {
        shortcut: ['El atajo solo puede tener minúsculas, números, - o _, sin espacios.'],
      })
    }
    assert.equal(await replyCount(), 0)
  })

  test('a duplicate shortcut is refused with a translated message and nothing is saved', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    await createReply('saldo')
    const duplicate = await post(client, admin, { shortcut: 'SALDO', title: 'Otro', body: 'Hola' })
    duplicate.assertHeader('location', '/quick-replies/create')
    duplicate.assertFlashMessage('inputErrorsBag', {
      shortcut: ['Ya existe una respuesta rápida activa con ese atajo.'],
    })
    const page = await client
      .get('/quick-replies/create')
      .loginAs(admin)
      .withFlashMessages(duplicate.flashMessages())
    page.assertTextIncludes('Ya existe una respuesta rápida activa con ese atajo.')
    page.assertTextIncludes('value="SALDO"')
    assert.equal(await replyCount(), 1)
    assert.lengthOf(await auditEntries('quick_reply.created'), 0)

    // Editing another reply onto that shortcut is refused too.
    const other = await createReply('mora')
    const rename = await client
      .put(`/quick-replies/${other.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ shortcut: 'saldo', title: 'X', body: 'Hola' })
      .redirects(0)
    rename.assertFlashMessage('inputErrorsBag', {
      shortcut: ['Ya existe una respuesta rápida activa con ese atajo.'],
    })
    await other.refresh()
    assert.equal(other.shortcut, 'mora')
  })

  test('unknown variables are refused, naming them', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const response = await post(client, admin, {
      shortcut: 'saldo',
      title: 'Saldo',
      body: 'Hola {{nombre}}, debe {{balance}} desde {{fecha}} {{nombre}}.',
    })
    response.assertFlashMessage('inputErrorsBag', {
      body: [
        'Variables desconocidas: {{nombre}}, {{fecha}}. Usa solo {{agent_name}}, {{holder}}, {{balance}}, {{days_overdue}}, {{contact_name}}.',
      ],
    })
    assert.equal(await replyCount(), 0)

    const english = await createUser('admin', { locale: 'en' })
    const en = await post(client, english, { shortcut: 'x', title: 'X', body: '{{foo}}' })
    en.assertFlashMessage('inputErrorsBag', {
      body: [
        'Unknown variable: {{foo}}. Use only {{agent_name}}, {{holder}}, {{balance}}, {{days_overdue}}, {{contact_name}}.',
      ],
    })

    const reply = await createReply('mora')
    const edit = await client
      .put(`/quick-replies/${reply.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ shortcut: 'mora', title: 'X', body: 'Hola {{cliente}}' })
      .redirects(0)
    edit.assertFlashMessage('inputErrorsBag', {
      body: [
        'Variable desconocida: {{cliente}}. Usa solo {{agent_name}}, {{holder}}, {{balance}}, {{days_overdue}}, {{contact_name}}.',
      ],
    })
    await reply.refresh()
    assert.equal(reply.title, 'Título mora')
  })

  test('editing audits before and after', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const reply = await createReply('saldo', { body: 'Antes' })
    const response = await client
      .put(`/quick-replies/${reply.id}`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ shortcut: 'saldo-hoy', title: 'Saldo de hoy', body: 'Después {{holder}}' })
      .redirects(0)
    response.assertFlashMessage('success', 'Respuesta rápida /saldo-hoy actualizada.')
    await reply.refresh()
    assert.equal(reply.body, 'Después {{holder}}')
    const [entry] = await auditEntries('quick_reply.updated')
    assert.equal(entry.before.shortcut, 'saldo')
    assert.equal(entry.before.body, 'Antes')
    assert.equal(entry.after.shortcut, 'saldo-hoy')
    assert.equal(entry.after.body, 'Después {{holder}}')
  })

  test('the list searches shortcut, title and body; htmx gets only the table', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const saldo = await createReply('saldo', { title: 'Saldo pendiente' })
    const despedida = await createReply('adios', {
      title: 'Despedida',
      body: 'Gracias por escribir',
    })
    const bySearch = await client.get('/quick-replies?q=GRACIAS').loginAs(admin)
    bySearch.assertTextIncludes(`<tr id="quick-reply-${despedida.id}">`)
    assert.notInclude(bySearch.text(), `<tr id="quick-reply-${saldo.id}">`)
    bySearch.assertTextIncludes('value="GRACIAS"')

    const fragment = await client
      .get('/quick-replies?q=sal')
      .header('HX-Request', 'true')
      .loginAs(admin)
    fragment.assertTextIncludes(`<tr id="quick-reply-${saldo.id}">`)
    assert.notInclude(fragment.text(), `<tr id="quick-reply-${despedida.id}">`)
    assert.notInclude(fragment.text(), '<html')

    const none = await client.get('/quick-replies?q=zzz').loginAs(admin)
    none.assertTextIncludes('No hay respuestas rápidas con ese filtro.')
  })
})

test.group('Quick replies page · inactivate and reactivate', (group) => {
  group.each.setup(() => resetDatabase())

  test('inactivating hides it from the active list, frees the shortcut, and is audited', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const reply = await createReply('saldo')
    const off = await client
      .put(`/quick-replies/${reply.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/quick-replies')
      .form({ isActive: '0' })
      .redirects(0)
    off.assertFlashMessage('success', 'Respuesta rápida /saldo inactivada.')
    await reply.refresh()
    assert.isFalse(reply.isActive)

    const active = await client.get('/quick-replies').loginAs(admin)
    assert.notInclude(active.text(), `<tr id="quick-reply-${reply.id}">`)
    const inactive = await client.get('/quick-replies?status=inactive').loginAs(admin)
    inactive.assertTextIncludes(`<tr id="quick-reply-${reply.id}">`)
    inactive.assertTextIncludes('Reactivar')

    const [entry] = await auditEntries('quick_reply.inactivated')
    assert.deepEqual(entry.before, { isActive: true })
    assert.deepEqual(entry.after, { isActive: false })

    // Reactivation works while the shortcut is free…
    await client
      .put(`/quick-replies/${reply.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .form({ isActive: '1' })
      .redirects(0)
    await reply.refresh()
    assert.isTrue(reply.isActive)
    assert.lengthOf(await auditEntries('quick_reply.reactivated'), 1)

    // …and is refused once another active reply took it.
    await reply.merge({ isActive: false }).save()
    await createReply('saldo', { title: 'La nueva' })
    const refused = await client
      .put(`/quick-replies/${reply.id}/status`)
      .withCsrfToken()
      .loginAs(admin)
      .header('referer', '/quick-replies?status=inactive')
      .form({ isActive: '1' })
      .redirects(0)
    refused.assertFlashMessage(
      'error',
      'No se puede reactivar: otra respuesta rápida activa ya usa el atajo /saldo.'
    )
    await reply.refresh()
    assert.isFalse(reply.isActive)
    assert.equal(await replyCount(), 2)
  })
})
