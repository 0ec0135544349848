import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import QuickReply from '#models/quick_reply'
import Conversation from '#models/conversation'
import quickReplyPicker, { missingVariables } from '#services/quick_reply_picker'
import { MISSING_VALUE } from '#services/quick_reply_renderer'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

const esEC = { locale: 'es-EC', currency: 'USD' }

async function conversationWith(
  contact: { displayName?: string | null; profileName?: string | null },
  client?: { holder: string; balance: string; daysOverdue: number }
) {
  const result = await receive(await createConnection(), { waId: '593993000001', name: 'Perfil' })
  await db
    .from('contacts')
    .where('id', result.contactId)
    .update({
      display_name: contact.displayName ?? null,
      profile_name: contact.profileName ?? null,
    })
  if (client) {
    const [row] = await db
      .table('clients')
      .insert({
        holder_name: client.holder,
        balance: client.balance,
        days_overdue: client.daysOverdue,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    await db.from('contacts').where('id', result.contactId).update({ client_id: row.id })
  }
  return Conversation.findOrFail(result.conversationId)
}

test.group('Quick reply picker: missing values', () => {
  test('names each variable without a value once, in order; unknown variables are not its business', ({
    assert,
  }) => {
    assert.deepEqual(
      missingVariables('{{balance}} {{holder}} {{ balance }} {{unknown}} {{agent_name}}', {
        agentName: 'Ana',
        holder: '  ',
        balance: null,
      }),
      ['balance', 'holder']
    )
  })

  test('zero is a value: a zero balance and zero days overdue are not missing', ({ assert }) => {
    assert.deepEqual(
      missingVariables('{{balance}} {{days_overdue}}', { balance: '0.00', daysOverdue: 0 }),
      []
    )
    assert.deepEqual(missingVariables('{{balance}}', { balance: 0 }), [])
  })

  test('a balance that is not a number counts as missing (it renders as the dash)', ({
    assert,
  }) => {
    assert.deepEqual(missingVariables('{{balance}}', { balance: 'n/a' }), ['balance'])
    assert.deepEqual(missingVariables('{{balance}}', { balance: Number.NaN }), ['balance'])
  })

  test('a body without variables misses nothing', ({ assert }) => {
    assert.deepEqual(missingVariables('Gracias por escribirnos.', {}), [])
  })
})

test.group('Quick reply picker: values of a conversation', (group) => {
  group.each.setup(() => resetDatabase())

  test('agent, contact and client values; the agent is whoever writes', async ({ assert }) => {
    const agent = await createUser('agent', { fullName: 'Pedro Agente' })
    const conversation = await conversationWith(
      { displayName: 'Pepe', profileName: 'José WhatsApp' },
      { holder: 'José Pérez', balance: '99.9', daysOverdue: 0 }
    )
    const values = await quickReplyPicker.valuesFor(conversation, agent)
    assert.deepEqual(values, {
      agentName: 'Pedro Agente',
      contactName: 'Pepe',
      holder: 'José Pérez',
      balance: '99.90',
      daysOverdue: 0,
    })
    const choice = await quickReplyPicker.fill(
      {
        id: 1,
        shortcut: 'x',
        title: 'x',
        body: '{{contact_name}}: {{holder}} {{balance}} {{days_overdue}} ({{agent_name}})',
      },
      values,
      esEC
    )
    assert.equal(choice.text, 'Pepe: José Pérez $ 99,90 0 (Pedro Agente)')
    assert.deepEqual(choice.missing, [])
  })

  test('the WhatsApp profile name stands in for a missing display name; a phone is never a name', async ({
    assert,
  }) => {
    const agent = await createUser('agent')
    const profileOnly = await conversationWith({ profileName: 'José WhatsApp' })
    assert.equal(
      (await quickReplyPicker.valuesFor(profileOnly, agent)).contactName,
      'José WhatsApp'
    )

    await resetDatabase()
    const agentAgain = await createUser('agent')
    const phoneOnly = await conversationWith({})
    const values = await quickReplyPicker.valuesFor(phoneOnly, agentAgain)
    assert.isNull(values.contactName)
    const choice = await quickReplyPicker.fill(
      { id: 1, shortcut: 'x', title: 'x', body: 'Hola {{contact_name}}, {{holder}}' },
      values,
      esEC
    )
    assert.equal(choice.text, `Hola ${MISSING_VALUE}, ${MISSING_VALUE}`)
    assert.deepEqual(choice.missing, ['contact_name', 'holder'])
  })

  test('without a client, holder, balance and days overdue are missing', async ({ assert }) => {
    const agent = await createUser('agent')
    const conversation = await conversationWith({ displayName: 'Pepe' })
    const values = await quickReplyPicker.valuesFor(conversation, agent)
    assert.isNull(values.holder)
    assert.isNull(values.balance)
    assert.isNull(values.daysOverdue)
  })

  test('choices: active only, by shortcut prefix (a leading / and LIKE wildcards are literal), limited', async ({
    assert,
  }) => {
    const agent = await createUser('agent')
    const conversation = await conversationWith({ displayName: 'Pepe' })
    await QuickReply.createMany([
      { shortcut: 'pago', title: 'Pago', body: 'Pague {{balance}}', isActive: true },
      { shortcut: 'pago_hoy', title: 'Hoy', body: 'Hoy, {{contact_name}}', isActive: true },
      { shortcut: 'pago_viejo', title: 'Viejo', body: 'x', isActive: false },
      { shortcut: 'p%x', title: 'Raro', body: 'x', isActive: true },
      { shortcut: 'saludo', title: 'Saludo', body: 'Hola', isActive: true },
    ])
    const shortcuts = async (typed: string, limit?: number) =>
      (await quickReplyPicker.choices(conversation, agent, typed, limit)).map((c) => c.shortcut)

    assert.deepEqual(await shortcuts('pa'), ['pago', 'pago_hoy'])
    assert.deepEqual(await shortcuts('/PAGO_'), ['pago_hoy'])
    assert.deepEqual(await shortcuts('p%'), ['p%x'])
    assert.deepEqual(await shortcuts('', 2), ['p%x', 'pago'])
    const [hoy] = await quickReplyPicker.choices(conversation, agent, 'pago_h')
    assert.equal(hoy.text, 'Hoy, Pepe')
  })
})
