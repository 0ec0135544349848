import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Message from '#models/message'
import Conversation from '#models/conversation'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import outboxDispatcher from '#channels/outbox_runtime'
import { driverFor } from '#channels/channel_registry'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import replyWindow from '#services/reply_window'
import templateSync from '#plugins/meta_cloud/templates/template_sync'
import type { GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import {
  FIXTURE_NUMBER,
  drainWebhooks,
  metaConnection,
  PAYMENT_TEMPLATE,
  startFake,
  withTemplate,
} from '#plugins/meta_cloud/tests/meta_harness'

/*
| R-MSG-8 with a Meta number: the composer knows the 24-hour window from the
| driver's capabilities and the customer's last message, refuses free text
| once it closed (notes still work), and sends approved templates whose
| parameters may use the quick-reply variables.
*/

let fake: GraphApiFake
const dispatcher = new OutboxDispatcher({ resolveDriver: driverFor, random: () => 0.5 })

async function conversationWithCustomer(hoursAgo: number) {
  await metaConnection(fake)
  const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
    from: '15557654321',
    name: 'Lucía Andrade',
    message: { type: 'text', text: { body: 'Hola' } },
  })
  await fake.deliver(payload)
  await drainWebhooks()
  const conversation = await Conversation.query().firstOrFail()
  conversation.lastInboundAt = DateTime.now().minus({ hours: hoursAgo })
  await conversation.save()
  return conversation
}

/** A chat whose window closed, assigned to `mine` (`other` is another agent), and its first template. */
async function closedChatOfAgent() {
  const conversation = await conversationWithCustomer(30)
  const mine = await createUser('agent')
  const other = await createUser('agent')
  conversation.assignedUserId = mine.id
  await conversation.save()
  const [template] = await (
    await import('#services/reply_window')
  ).default.templatesOf(conversation)
  return { conversation, mine, other, template }
}

test.group('Meta / 24-hour window in the composer', (group) => {
  group.setup(async () => {
    await outboxDispatcher.stop()
    fake = await startFake()
    return () => outboxDispatcher.start()
  })
  group.each.setup(async () => {
    await resetDatabase()
    fake.reset()
  })

  test('inside the window: no notice, free text goes out', async ({ client, assert }) => {
    const conversation = await conversationWithCustomer(2)
    const admin = await createUser('admin')
    const panel = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(admin)
    panel.assertStatus(200)
    assert.notInclude(panel.text(), 'window-closed')

    const sent = await client
      .post(`/inbox/conversations/${conversation.id}/messages`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({ mode: 'text', body: 'Con gusto', clientId: 'c1' })
      .loginAs(admin)
    sent.assertStatus(200)
    assert.lengthOf(await Message.query().where('direction', 'out'), 1)
  })

  test('after 24 h: notice and approved templates; free text refused, notes allowed', async ({
    client,
    assert,
  }) => {
    const conversation = await conversationWithCustomer(25)
    const admin = await createUser('admin')
    const panel = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(admin)
    panel.assertTextIncludes('Pasaron más de 24 horas')
    panel.assertTextIncludes('seguimiento')
    panel.assertTextIncludes('Hola {{1}}, su pedido {{2}} está listo.')
    assert.notInclude(panel.text(), 'promo_vieja')

    const refused = await client
      .post(`/inbox/conversations/${conversation.id}/messages`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({ mode: 'text', body: '¿Sigue interesada?', clientId: 'c2' })
      .loginAs(admin)
    refused.assertStatus(422)
    refused.assertTextIncludes('La ventana de 24 horas está cerrada')
    assert.lengthOf(await Message.query().where('direction', 'out'), 0)

    const note = await client
      .post(`/inbox/conversations/${conversation.id}/messages`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({ mode: 'note', body: 'Llamar mañana', clientId: 'c3' })
      .loginAs(admin)
    note.assertStatus(200)
    assert.lengthOf(await Message.query().where('kind', 'note'), 1)
  })

  test('a template with quick-reply variables is filled, stored and sent to Meta', async ({
    client,
    assert,
  }) => {
    const conversation = await conversationWithCustomer(30)
    const admin = await createUser('admin')
    const template = (
      await driverFor(
        await (await import('#models/connection')).default.findOrFail(conversation.connectionId)
      )!.templates!()
    )[0]
    const sent = await client
      .post(`/inbox/conversations/${conversation.id}/templates`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({
        'templateId': template.id,
        'parameters[0]': '{{contact_name}}',
        'parameters[1]': '4711',
        'templateClientId': 'tpl-1',
      })
      .loginAs(admin)
    sent.assertStatus(200)
    assert.equal(sent.header('hx-trigger'), 'inbox:sent')
    const message = await Message.query().where('direction', 'out').firstOrFail()
    assert.equal(message.body, 'Hola Lucía Andrade, su pedido 4711 está listo.')
    assert.deepEqual((message.metadata as any).template, {
      name: 'seguimiento',
      language: 'es',
      parameters: [
        { name: null, value: 'Lucía Andrade' },
        { name: null, value: '4711' },
      ],
    })

    await dispatcher.runOnce()
    await message.refresh()
    assert.equal(message.status, 'sent', message.failureReason ?? '')
    const request = fake.requests.find((r) => r.body?.type === 'template')!
    assert.deepEqual(request.body.template.components, [
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Lucía Andrade' },
          { type: 'text', text: '4711' },
        ],
      },
    ])
  })

  test('a missing parameter is refused with a translated message, nothing stored', async ({
    client,
    assert,
  }) => {
    const conversation = await conversationWithCustomer(30)
    const admin = await createUser('admin')
    const [template] = await (
      await import('#services/reply_window')
    ).default.templatesOf(conversation)
    const refused = await client
      .post(`/inbox/conversations/${conversation.id}/templates`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({ 'templateId': template.id, 'parameters[0]': 'Ana' })
      .loginAs(admin)
    refused.assertStatus(422)
    refused.assertTextIncludes('Falta el valor de 2')
    assert.lengthOf(await Message.query().where('direction', 'out'), 0)
  })

  test('a template with an image header and a payment link button: labelled inputs, checked links, the right components', async ({
    client,
    assert,
  }) => {
    const conversation = await conversationWithCustomer(30)
    const admin = await createUser('admin')
    await withTemplate(fake, PAYMENT_TEMPLATE, async () => {
      await templateSync.sync(conversation.connectionId)
      const template = (await replyWindow.templatesOf(conversation)).find(
        (candidate) => candidate.name === 'cuota_vence'
      )!
      assert.deepEqual(template.parameters, ['header:image', '1', 'button:0'])

      const panel = await client
        .get(`/inbox/conversations/${conversation.id}/reply-window`)
        .loginAs(admin)
      panel.assertTextIncludes('Imagen del encabezado (enlace https)')
      panel.assertTextIncludes('Botón 1: parte variable del enlace')

      const send = (link: string) =>
        client
          .post(`/inbox/conversations/${conversation.id}/templates`)
          .withCsrfToken()
          .header('hx-request', 'true')
          .form({
            'templateId': template.id,
            'parameters[0]': link,
            'parameters[1]': '{{contact_name}}',
            'parameters[2]': 'CR-2291',
          })
          .loginAs(admin)
      const missing = await send('')
      missing.assertStatus(422)
      missing.assertTextIncludes('Falta el enlace de la imagen del encabezado.')
      const plain = await send('http://example.ec/aviso.png')
      plain.assertStatus(422)
      plain.assertTextIncludes('debe ser un enlace https://')
      assert.lengthOf(await Message.query().where('direction', 'out'), 0)

      ;(await send('https://example.ec/aviso.png')).assertStatus(200)
      const message = await Message.query().where('direction', 'out').firstOrFail()
      assert.equal(message.body, 'Estimado Lucía Andrade, su cuota vence hoy.')
      await dispatcher.runOnce()
      await message.refresh()
      assert.equal(message.status, 'sent', message.failureReason ?? '')
      const request = fake.requests.find((r) => r.body?.template?.name === 'cuota_vence')!
      assert.deepEqual(request.body.template.components, [
        {
          type: 'header',
          parameters: [{ type: 'image', image: { link: 'https://example.ec/aviso.png' } }],
        },
        { type: 'body', parameters: [{ type: 'text', text: 'Lucía Andrade' }] },
        {
          type: 'button',
          sub_type: 'url',
          index: '0',
          parameters: [{ type: 'text', text: 'CR-2291' }],
        },
      ])
    })
  })

  test('the preview shows the filled text as the agent types; nothing is sent', async ({
    client,
    assert,
  }) => {
    const { conversation, mine, other, template } = await closedChatOfAgent()
    const url = `/inbox/conversations/${conversation.id}/templates/preview`

    const panel = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(mine)
    panel.assertTextIncludes(`hx-post="${url}"`)

    const partly = await client
      .post(url)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form({ 'previewTemplateId': template.id, 'parameters[0]': '{{contact_name}}' })
      .loginAs(mine)
    partly.assertStatus(200)
    assert.include(partly.text(), 'Hola Lucía Andrade, su pedido {{2}} está listo.')

    const full = await client
      .post(url)
      .withCsrfToken()
      .form({
        'previewTemplateId': template.id,
        'parameters[0]': '<b>Lucía</b>',
        'parameters[1]': '4711',
      })
      .loginAs(mine)
    assert.include(full.text(), 'Hola &lt;b&gt;Lucía&lt;/b&gt;, su pedido 4711 está listo.')

    const unknown = await client
      .post(url)
      .withCsrfToken()
      .form({ previewTemplateId: 'no-such-template' })
      .loginAs(mine)
    unknown.assertStatus(404)
    const outsider = await client
      .post(url)
      .withCsrfToken()
      .form({ previewTemplateId: template.id })
      .loginAs(other)
    outsider.assertStatus(403)
    const guest = await client.post(url).withCsrfToken().form({}).redirects(0)
    guest.assertStatus(302)
    assert.lengthOf(await Message.query().where('direction', 'out'), 0)
  })

  test('template status webhooks: a template Meta pauses leaves the picker (admins told), an approval brings one in', async ({
    assert,
  }) => {
    const conversation = await conversationWithCustomer(30)
    const offered = async () => (await replyWindow.templatesOf(conversation)).map((t) => t.name)
    const status = (name: string, event: 'APPROVED' | 'PAUSED', reason?: string) =>
      fake.deliver(
        fake.templateStatusPayload(FIXTURE_NUMBER.wabaId, { name, language: 'es', event, reason })
      )
    assert.deepEqual(await offered(), ['seguimiento'])
    try {
      await status('seguimiento', 'PAUSED', 'Low quality')
      await drainWebhooks()
      assert.deepEqual(await offered(), [])
      const event = await db
        .from('system_events')
        .where('category', 'meta.template_status')
        .firstOrFail()
      assert.equal(event.level, 'warning')
      assert.include(event.message, '"seguimiento" (es) is now PAUSED: Low quality')

      await status('promo_vieja', 'APPROVED')
      await drainWebhooks()
      assert.deepEqual(await offered(), ['promo_vieja'])
      assert.lengthOf(await db.from('system_events').where('category', 'meta.template_status'), 1)
    } finally {
      // The fake outlives this test: its templates go back to how the harness made them.
      fake.templateStatusPayload(FIXTURE_NUMBER.wabaId, {
        name: 'seguimiento',
        language: 'es',
        event: 'APPROVED',
      })
      fake.templateStatusPayload(FIXTURE_NUMBER.wabaId, {
        name: 'promo_vieja',
        language: 'es',
        event: 'PAUSED',
      })
    }
  })

  test('per role: the assigned agent may, another agent may not, a guest goes to login', async ({
    client,
    assert,
  }) => {
    const { conversation, mine, other, template } = await closedChatOfAgent()
    const form = { 'templateId': template.id, 'parameters[0]': 'Ana', 'parameters[1]': '1' }

    const panel = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(mine)
    panel.assertStatus(200)
    const outsider = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(other)
    outsider.assertStatus(403)
    const outsiderPost = await client
      .post(`/inbox/conversations/${conversation.id}/templates`)
      .withCsrfToken()
      .form(form)
      .loginAs(other)
    outsiderPost.assertStatus(403)
    const guest = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .redirects(0)
    guest.assertStatus(302)
    guest.assertHeader('location', '/login')
    const supervisor = await createUser('supervisor')
    const seen = await client
      .get(`/inbox/conversations/${conversation.id}/reply-window`)
      .loginAs(supervisor)
    seen.assertStatus(200)
    assert.lengthOf(await Message.query().where('direction', 'out'), 0)

    const ok = await client
      .post(`/inbox/conversations/${conversation.id}/templates`)
      .withCsrfToken()
      .header('hx-request', 'true')
      .form(form)
      .loginAs(mine)
    ok.assertStatus(200)
    assert.lengthOf(await Message.query().where('direction', 'out'), 1)
  })
})
