import { test } from '@japa/runner'
import QuickReply from '#models/quick_reply'
import quickReplyRenderer, { MISSING_VALUE } from '#services/quick_reply_renderer'
import { createOrganization, resetDatabase } from '#tests/helpers/fixtures'

const esEC = { locale: 'es-EC', currency: 'USD' }

test.group('Quick reply renderer', (group) => {
  group.each.setup(() => resetDatabase())

  test('fills every variable, spaces inside the braces allowed', async ({ assert }) => {
    const body =
      'Hola {{contact_name}}, soy {{ agent_name }}. {{holder}} debe {{balance}} con {{days_overdue}} días de mora.'
    const text = await quickReplyRenderer.render(
      body,
      {
        agentName: 'Ana',
        holder: 'José Pérez',
        balance: '1234.5',
        daysOverdue: 12,
        contactName: 'Pepe',
      },
      esEC
    )
    assert.equal(text, 'Hola Pepe, soy Ana. José Pérez debe $ 1.234,50 con 12 días de mora.')
  })

  test('money follows the organization locale', async ({ assert }) => {
    assert.equal(quickReplyRenderer.formatMoney(1234.5, esEC), '$ 1.234,50')
    assert.equal(quickReplyRenderer.formatMoney('0', esEC), '$ 0,00')
    assert.equal(quickReplyRenderer.formatMoney(-20, esEC), '$ -20,00')
    assert.equal(
      quickReplyRenderer.formatMoney(1234.5, { locale: 'en-EC', currency: 'USD' }),
      '$1,234.50'
    )

    await createOrganization({ defaultLocale: 'es', defaultCountryCode: 'EC' })
    assert.deepEqual(await quickReplyRenderer.moneyFormat(), esEC)
    assert.equal(
      await quickReplyRenderer.render('Saldo: {{balance}}', { balance: 1234.5 }),
      'Saldo: $ 1.234,50'
    )
  })

  test('missing values become a dash; zero days is kept', async ({ assert }) => {
    const text = await quickReplyRenderer.render(
      '{{contact_name}}|{{agent_name}}|{{holder}}|{{balance}}|{{days_overdue}}',
      { contactName: '  ', holder: null, daysOverdue: 0 },
      esEC
    )
    assert.equal(text, `${MISSING_VALUE}|${MISSING_VALUE}|${MISSING_VALUE}|${MISSING_VALUE}|0`)
    assert.equal(MISSING_VALUE, '—')
    assert.equal(
      await quickReplyRenderer.render('{{balance}}', { balance: 'n/a' }, esEC),
      MISSING_VALUE
    )
  })

  test('unknown variables are listed once, in order; rendering leaves them as typed', async ({
    assert,
  }) => {
    assert.deepEqual(
      quickReplyRenderer.unknownVariables('{{fecha}} {{holder}} {{nombre}} {{fecha}}'),
      ['fecha', 'nombre']
    )
    assert.deepEqual(quickReplyRenderer.unknownVariables('Hola {{ holder }}'), [])
    assert.equal(await quickReplyRenderer.render('{{fecha}}', {}, esEC), '{{fecha}}')
  })

  test('search finds active replies by shortcut prefix', async ({ assert }) => {
    const base = { title: 'T', body: 'B', createdBy: null }
    await QuickReply.createMany([
      { ...base, shortcut: 'saldo', isActive: true },
      { ...base, shortcut: 'saludo', isActive: true },
      { ...base, shortcut: 'salida', isActive: false },
      { ...base, shortcut: 'mora', isActive: true },
      { ...base, shortcut: 'sa_x', isActive: true },
    ])
    const shortcuts = async (prefix: string) =>
      (await quickReplyRenderer.search(prefix)).map((reply) => reply.shortcut)
    assert.deepEqual(await shortcuts('sal'), ['saldo', 'saludo'])
    assert.deepEqual(await shortcuts('/SAL'), ['saldo', 'saludo'])
    assert.deepEqual(await shortcuts('sa_'), ['sa_x'])
    assert.deepEqual(await shortcuts(''), ['mora', 'sa_x', 'saldo', 'saludo'])
    assert.lengthOf(await quickReplyRenderer.search('', 2), 2)
  })
})
