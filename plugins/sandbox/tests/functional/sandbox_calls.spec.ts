import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import pluginHost from '#plugin_host/plugin_host'
import Message from '#models/message'
import { sandboxContext } from '#plugins/sandbox/plugin_context'
import phone from '#plugins/sandbox/sandbox_phone'
import calls from '#plugins/sandbox/sandbox_calls'
import drivers from '#plugins/sandbox/sandbox_driver'
import {
  otherPluginConnection,
  runAce,
  waitFor,
} from '#plugins/sandbox/tests/helpers/sandbox_test_helpers'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

/*
| Calls from the sandbox customer phone: "Llamar" / "Videollamada" report
| offer → ringing through ingest.call(); "Colgar" or the ringing time makes
| the call missed; the driver's rejectCall() declines it on the phone.
*/

async function sandboxLine(settings: { callTimeoutSeconds?: number } = {}) {
  await pluginHost.enable('sandbox', null)
  if (settings.callTimeoutSeconds) {
    await pluginHost.saveSettings(
      'sandbox',
      { values: { deliveryDelayMs: '0', callTimeoutSeconds: String(settings.callTimeoutSeconds) } },
      null
    )
  }
  const connection = await sandboxContext().ports.channels.createConnection({ name: 'Demo' })
  const customer = await phone.customerFor(connection.id, {
    name: 'Ana Ríos',
    phone: '+593991112233',
  })
  return { connection, customer }
}

async function coreCall(connectionId: number) {
  return Message.query().where('connection_id', connectionId).where('kind', 'call').firstOrFail()
}

test.group('Sandbox / calls from the customer phone', (group) => {
  group.each.setup(() => resetDatabase())

  test('"Llamar" rings the business; "Colgar" before anyone answers makes it missed', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await sandboxLine()
    const base = `/sandbox/connections/${connection.id}/phone`

    const page = await client.get(`${base}?customer=${customer.id}`).loginAs(admin)
    page.assertTextIncludes('Llamar')
    page.assertTextIncludes('Videollamada')

    const placed = await client
      .post(`${base}/calls`)
      .withCsrfToken()
      .form({ customer: String(customer.id), video: '0' })
      .loginAs(admin)
      .redirects(0)
    placed.assertStatus(302)
    placed.assertHeader('location', `${base}?customer=${customer.id}`)

    const ringing = await coreCall(connection.id)
    assert.equal(ringing.direction, 'in')
    assert.equal(ringing.metadata.callStatus, 'ringing')
    assert.isFalse(ringing.metadata.isVideo)
    const [call] = await calls.of(customer.id)
    assert.equal(ringing.externalId, `call:${call.call_id}`)

    const thread = await client.get(`${base}/thread?customer=${customer.id}`).loginAs(admin)
    thread.assertTextIncludes('Llamada de voz')
    thread.assertTextIncludes('Llamando…')
    thread.assertTextIncludes(`${base}/calls/${call.id}/hangup`)

    const hungUp = await client
      .post(`${base}/calls/${call.id}/hangup`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    hungUp.assertStatus(302)
    await ringing.refresh()
    assert.equal(ringing.metadata.callStatus, 'missed')
    assert.deepEqual(
      (ringing.metadata.callEvents as { status: string }[]).map((event) => event.status),
      ['offer', 'ringing', 'missed']
    )
    const after = await client.get(`${base}/thread?customer=${customer.id}`).loginAs(admin)
    after.assertTextIncludes('No contestada')
    assert.notInclude(after.text(), '/hangup')
  })

  test('a video call nobody answers turns missed after the ringing time', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await sandboxLine({ callTimeoutSeconds: 1 })
    await client
      .post(`/sandbox/connections/${connection.id}/phone/calls`)
      .withCsrfToken()
      .form({ customer: String(customer.id), video: '1' })
      .loginAs(admin)
      .redirects(0)
    const call = await coreCall(connection.id)
    assert.isTrue(call.metadata.isVideo)
    assert.equal(call.metadata.callStatus, 'ringing')
    await waitFor(async () => (await coreCall(connection.id)).metadata.callStatus === 'missed')
    const [row] = await calls.of(customer.id)
    assert.equal(row.status, 'missed')
    assert.isNotNull(row.ended_at)
  })

  test('one call at a time per customer; hanging up an ended call changes nothing', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await sandboxLine()
    const base = `/sandbox/connections/${connection.id}/phone`
    const place = () =>
      client
        .post(`${base}/calls`)
        .withCsrfToken()
        .form({ customer: String(customer.id) })
        .loginAs(admin)
        .redirects(0)
    await place()
    const second = await place()
    second.assertStatus(302)
    second.assertFlashMessage('error', 'Ya hay una llamada en curso con este cliente.')
    assert.lengthOf(await calls.of(customer.id), 1)

    const [call] = await calls.of(customer.id)
    await calls.hangUp(connection.id, call.call_id)
    const late = await client
      .post(`${base}/calls/${call.id}/hangup`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    late.assertFlashMessage('error', 'Esa llamada ya terminó.')
    const message = await coreCall(connection.id)
    assert.lengthOf(message.metadata.callEvents as unknown[], 3)

    const unknown = await client
      .post(`${base}/calls/999/hangup`)
      .withCsrfToken()
      .loginAs(admin)
      .redirects(0)
    unknown.assertStatus(302)
    unknown.assertFlashMessage('error', 'Esa llamada ya terminó.')
  })

  test('the driver declines a ringing call: rejected in the inbox and on the phone', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { connection, customer } = await sandboxLine()
    const driver = drivers.for(connection.id)
    assert.isTrue(driver.capabilities.calls)
    const call = await calls.ring(connection.id, customer)
    const message = await coreCall(connection.id)

    await driver.rejectCall({
      connectionId: connection.id,
      callId: call!.call_id,
      from: { contactId: 0, phoneE164: customer.phone, waId: null, lid: null, bsuid: null },
      metadata: message.metadata,
    })
    await message.refresh()
    assert.equal(message.metadata.callStatus, 'rejected')
    const thread = await client
      .get(`/sandbox/connections/${connection.id}/phone/thread?customer=${customer.id}`)
      .loginAs(admin)
    thread.assertTextIncludes('Llamada rechazada')
    // A declined call stays declined: neither hanging up nor the ringing time reopen it.
    assert.isNull(await calls.hangUp(connection.id, call!.call_id))
    await message.refresh()
    assert.equal(message.metadata.callStatus, 'rejected')
  })

  test('calls left ringing by a previous run are missed when the plugin starts', async ({
    assert,
  }) => {
    const { connection, customer } = await sandboxLine()
    await calls.place(connection.id, customer, {})
    await pluginHost.disable('sandbox', null)
    await pluginHost.enable('sandbox', null)
    assert.equal((await coreCall(connection.id)).metadata.callStatus, 'missed')
  })

  test('a call the core refused leaves the customer free to call again', async ({ assert }) => {
    const { customer } = await sandboxLine()
    const other = await otherPluginConnection()
    await assert.rejects(() => calls.place(other.id, customer, {}))
    assert.lengthOf(await calls.of(customer.id), 0)
  })

  test('supervisors and agents are refused the call routes; guests go to login', async ({
    client,
    assert,
  }) => {
    const { connection, customer } = await sandboxLine()
    const call = await calls.place(connection.id, customer, {})
    const base = `/sandbox/connections/${connection.id}/phone`
    for (const role of ['supervisor', 'agent']) {
      const user = await createUser(role)
      const place = await client
        .post(`${base}/calls`)
        .withCsrfToken()
        .form({ customer: String(customer.id) })
        .loginAs(user)
        .redirects(0)
      place.assertStatus(403)
      const hangUp = await client
        .post(`${base}/calls/${call!.id}/hangup`)
        .withCsrfToken()
        .loginAs(user)
        .redirects(0)
      hangUp.assertStatus(403)
    }
    for (const url of [`${base}/calls`, `${base}/calls/${call!.id}/hangup`]) {
      const guest = await client.post(url).withCsrfToken().redirects(0)
      guest.assertStatus(302)
      guest.assertHeader('location', '/login')
    }
    assert.equal((await coreCall(connection.id)).metadata.callStatus, 'ringing')
    assert.lengthOf(await calls.of(customer.id), 1)
  })
})

test.group('Sandbox / sandbox:message --call', (group) => {
  group.each.setup(() => resetDatabase())

  test('rings the business and hangs up after --hangup-after seconds', async ({ assert }) => {
    await createUser('admin')
    const connection = await sandboxContext().ports.channels.createConnection({ name: 'CLI' })
    const { exitCode } = await runAce('sandbox:message', [
      '--connection',
      String(connection.id),
      '--phone',
      '+593 99 765 4321',
      '--name',
      'Ana',
      '--call',
      '--video',
      '--hangup-after',
      '1',
    ])
    assert.equal(exitCode, 0)
    const call = await coreCall(connection.id)
    assert.equal(call.metadata.callStatus, 'missed')
    assert.isTrue(call.metadata.isVideo)
    const rows = await db.from('sandbox_calls').where('connection_id', connection.id)
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].status, 'missed')
    assert.lengthOf(await db.from('sandbox_messages'), 0, 'no text was sent')
  })
})
