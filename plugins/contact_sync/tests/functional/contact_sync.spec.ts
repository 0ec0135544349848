import { test } from '@japa/runner'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import pluginHost from '#plugin_host/plugin_host'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText } from '#tests/helpers/conversation_fixtures'

const DAY = 24 * 60 * 60 * 1000

/** The settings form as a browser posts it: an unchecked box is absent (`null` here). */
async function settings(values: Record<string, string | null>) {
  const form: Record<string, string | null> = {
    createContacts: 'true',
    historyDays: '30',
    ...values,
  }
  for (const [key, value] of Object.entries(form)) if (value === null) delete form[key]
  await pluginHost.saveSettings('contact_sync', { values: form }, null)
}

/** Listeners run after the port call returns: wait until the report shows it. */
async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const value = await read()
    if (ready(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return read()
}

const tally = (connectionId: number) =>
  db.from('contact_sync_tallies').where('connection_id', connectionId).first()

function runPushJob() {
  const declared = pluginHost.declaredJobs().find((entry) => entry.plugin === 'contact_sync')!
  return declared.job.run()
}

/** The far side: a CRM's REST endpoint answering what the test says. */
async function fakeCrm(answer: () => { status: number; body?: string }) {
  const received: { headers: IncomingMessage['headers']; body: any }[] = []
  const server: Server = createServer((request, response) => {
    let raw = ''
    request.on('data', (chunk) => (raw += chunk))
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(raw || '{}') })
      const { status, body } = answer()
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(body ?? '{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/contacts`, received, close: () => server.close() }
}

test.group('Contact sync: address book (R-INT-1)', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    await pluginHost.enable('contact_sync', null)
    return async () => {
      await pluginHost.disable('contact_sync', null)
    }
  })

  test('unknown contacts are created, known ones updated, the rest skipped with a reason', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const report = (contact: Record<string, string>) =>
      ingest.contact(connection.id, { contact, create: false })

    await report({ waId: '593991112233', profileName: 'Ana Ríos' })
    await eventually(
      () => tally(connection.id),
      (row) => row?.created === 1
    )
    const ana = await db.from('contacts').where('wa_id', '593991112233').firstOrFail()
    assert.equal(ana.profile_name, 'Ana Ríos')

    await report({ waId: '593991112233', lid: '123456789012345', profileName: 'Ana Ríos' })
    await report({ waId: '593991112233', profileName: 'Ana Ríos' })
    await report({ lid: '99887766554433', waId: '593990000001' })
    await report({ lid: '11223344556677', profileName: 'Solo LID' })

    const row = await eventually(
      () => tally(connection.id),
      (r) => r?.skipped === 3
    )
    assert.deepInclude(row, { created: 1, updated: 1, skipped: 3 })
    const reasons = await db
      .from('contact_sync_entries')
      .where('connection_id', connection.id)
      .orderBy('id')
      .select('outcome', 'reason')
    assert.deepEqual(
      reasons.map((entry) => `${entry.outcome}:${entry.reason ?? ''}`),
      ['created:', 'updated:', 'skipped:unchanged', 'skipped:no_name', 'skipped:no_phone']
    )
    assert.lengthOf(await db.from('contacts').where('lid', '11223344556677'), 0)
  })

  test('with creating turned off, only existing contacts change', async ({ assert }) => {
    await settings({ createContacts: null })
    const connection = await createConnection()
    await ingest.contact(connection.id, {
      contact: { waId: '593992223344', profileName: 'Luis' },
      create: false,
    })
    const row = await eventually(
      () => tally(connection.id),
      (r) => r?.skipped === 1
    )
    assert.equal(row.created, 0)
    assert.lengthOf(await db.from('contacts').where('wa_id', '593992223344'), 0)
  })

  test('a disabled plugin creates nothing and reports nothing', async ({ assert }) => {
    await pluginHost.disable('contact_sync', null)
    const connection = await createConnection()
    await ingest.contact(connection.id, {
      contact: { waId: '593993334455', profileName: 'Marta' },
      create: false,
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.lengthOf(await db.from('contacts').where('wa_id', '593993334455'), 0)
    assert.isNotOk(await tally(connection.id))
  })
})

test.group('Contact sync: history import (R-INT-2)', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    await pluginHost.enable('contact_sync', null)
    return async () => {
      await pluginHost.disable('contact_sync', null)
    }
  })

  test('history is kept as far back as the setting says, and counted', async ({ assert }) => {
    await settings({ historyDays: '30' })
    const connection = await createConnection()
    const recent = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date(Date.now() - 10 * DAY) })
    )
    const recentReply = await ingest.message(
      connection.id,
      inboundText({ historical: true, direction: 'out', at: new Date(Date.now() - 9 * DAY) })
    )
    const old = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date(Date.now() - 60 * DAY) })
    )
    const live = await ingest.message(
      connection.id,
      inboundText({ at: new Date(Date.now() - 60 * DAY) })
    )

    assert.isNotOk(recent.skipped)
    assert.isNotOk(recentReply.skipped)
    assert.isTrue(old.skipped)
    assert.equal(old.messageId, 0)
    assert.isNotOk(live.skipped, 'the window applies to imported history only')
    assert.lengthOf(await db.from('messages').where('connection_id', connection.id), 3)

    const row = await eventually(
      () => tally(connection.id),
      (r) => r?.history_messages === 2
    )
    assert.equal(row.history_messages, 2)
    const chats = await db.from('contact_sync_history_chats').where('connection_id', connection.id)
    assert.lengthOf(chats, 1)
    assert.isBelow(
      new Date(row.history_oldest_at).getTime(),
      new Date(row.history_newest_at).getTime()
    )
  })

  test('0 days imports no history; a disabled plugin keeps everything reported', async ({
    assert,
  }) => {
    await settings({ historyDays: '0' })
    const connection = await createConnection()
    const none = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date(Date.now() - DAY) })
    )
    assert.isTrue(none.skipped)

    await pluginHost.disable('contact_sync', null)
    const kept = await ingest.message(
      connection.id,
      inboundText({ historical: true, at: new Date(Date.now() - 400 * DAY) })
    )
    assert.isNotOk(kept.skipped)
  })

  test('a skipped message still refuses a connection of another plugin', async ({ assert }) => {
    await settings({ historyDays: '0' })
    const connection = await createConnection({ pluginKey: 'someone_else' })
    await assert.rejects(() =>
      ingest
        .forPlugin('test_channel')
        .message(connection.id, inboundText({ historical: true, at: new Date(Date.now() - DAY) }))
    )
  })
})

test.group('Contact sync: CRM push', (group) => {
  group.each.setup(async () => {
    await resetDatabase()
    await pluginHost.enable('contact_sync', null)
    return async () => {
      await pluginHost.disable('contact_sync', null)
    }
  })

  test('created and updated contacts are POSTed with the token and the field mapping', async ({
    assert,
    cleanup,
  }) => {
    const crm = await fakeCrm(() => ({ status: 201 }))
    cleanup(() => {
      crm.close()
    })
    await settings({
      crmUrl: crm.url,
      crmToken: 'crm-secret-token',
      crmFieldMap: 'nombre=name\ntelefono=phone\nid_chasqui=id',
    })
    const connection = await createConnection()
    await ingest.contact(connection.id, {
      contact: { waId: '593994445566', profileName: 'Pedro Cárdenas' },
      create: false,
    })
    const contact = await eventually(
      () => db.from('contacts').where('wa_id', '593994445566').first(),
      (row) => !!row
    )
    await eventually(
      () => db.from('contact_sync_pushes').where('state', 'pending'),
      (rows) => rows.length === 1
    )

    await runPushJob()
    assert.lengthOf(crm.received, 1)
    assert.equal(crm.received[0].headers.authorization, 'Bearer crm-secret-token')
    assert.match(String(crm.received[0].headers['idempotency-key']), /^chasqui-contact-\d+-\d+$/)
    assert.deepEqual(crm.received[0].body, {
      nombre: 'Pedro Cárdenas',
      telefono: '+593994445566',
      id_chasqui: Number(contact.id),
    })
    const push = await db.from('contact_sync_pushes').firstOrFail()
    assert.equal(push.state, 'sent')
    assert.equal(push.last_status, 201)
  })

  test('a CRM that is down keeps the push queued with backoff; a refusal fails it, loudly', async ({
    assert,
    cleanup,
  }) => {
    let status = 503
    const crm = await fakeCrm(() => ({ status, body: '{"error":"nombre requerido"}' }))
    cleanup(() => {
      crm.close()
    })
    await settings({ crmUrl: crm.url })
    const connection = await createConnection()
    await ingest.contact(connection.id, {
      contact: { waId: '593995556677', profileName: 'Rosa' },
      create: false,
    })
    await eventually(
      () => db.from('contact_sync_pushes'),
      (rows) => rows.length === 1
    )

    await runPushJob()
    let push = await db.from('contact_sync_pushes').firstOrFail()
    assert.equal(push.state, 'pending')
    assert.equal(push.attempts, 1)
    assert.isAbove(new Date(push.next_attempt_at).getTime(), Date.now() + 20_000)
    await runPushJob()
    assert.lengthOf(crm.received, 1, 'not due yet: not sent again')

    status = 422
    await db.from('contact_sync_pushes').update({ next_attempt_at: new Date() })
    await runPushJob()
    push = await db.from('contact_sync_pushes').firstOrFail()
    assert.equal(push.state, 'failed')
    assert.equal(push.last_status, 422)
    assert.include(push.last_error, 'nombre requerido')
    const event = await db
      .from('system_events')
      .where('category', 'contact_sync.crm_push_failed')
      .firstOrFail()
    assert.equal(event.level, 'critical')
  })

  test('the report page per role; an admin retries a failed push', async ({ client, assert }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const connection = await createConnection()
    await settings({ crmUrl: 'http://127.0.0.1:9/contacts' })
    await ingest.contact(connection.id, {
      contact: { waId: '593996667788', profileName: 'Teresa' },
      create: false,
    })
    await eventually(
      () => tally(connection.id),
      (row) => row?.created === 1
    )
    const contact = await db.from('contacts').where('wa_id', '593996667788').firstOrFail()
    await db.from('contact_sync_pushes').delete()
    const [push] = await db
      .table('contact_sync_pushes')
      .insert({
        contact_id: contact.id,
        state: 'failed',
        attempts: 8,
        last_error: 'HTTP 400',
        next_attempt_at: new Date(),
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')

    const page = await client.get('/contact-sync').loginAs(admin)
    page.assertStatus(200)
    page.assertTextIncludes('Sincronización de contactos')
    page.assertTextIncludes('Teresa')
    page.assertTextIncludes('HTTP 400')
    ;(await client.get('/contact-sync').loginAs(supervisor)).assertStatus(200)
    ;(await client.get('/contact-sync').loginAs(agent)).assertStatus(403)
    const guest = await client.get('/contact-sync').redirects(0)
    guest.assertStatus(302)
    assert.equal(guest.header('location'), '/login')

    const refused = await client
      .post(`/contact-sync/pushes/${push.id}/retry`)
      .withCsrfToken()
      .loginAs(supervisor)
    refused.assertStatus(403)
    const retried = await client
      .post(`/contact-sync/pushes/${push.id}/retry`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    retried.assertFlashMessage('success', 'El envío volvió a la cola.')
    const row = await db.from('contact_sync_pushes').where('id', push.id).firstOrFail()
    assert.equal(row.state, 'pending')
    assert.equal(row.attempts, 0)

    const again = await client
      .post(`/contact-sync/pushes/${push.id}/retry`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    again.assertFlashMessage(
      'error',
      'Ese envío no se puede reintentar (ya está en la cola o no existe).'
    )
  })

  test('a bad field mapping or URL is refused and nothing is saved', async ({ assert }) => {
    await assert.rejects(() => settings({ crmFieldMap: 'nombre=apellido_inexistente' }))
    await assert.rejects(() => settings({ crmUrl: 'ftp://crm.local/contacts' }))
    await assert.rejects(() => settings({ historyDays: '400' }))
    const row = await db.from('plugin_states').where('key', 'contact_sync').firstOrFail()
    assert.notInclude(JSON.stringify(row.settings), 'apellido_inexistente')
  })
})
