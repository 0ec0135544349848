import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import emitter from '@adonisjs/core/services/emitter'
import ingest from '#channels/ingest_service'
import { createConnection, inboundText, receive } from '#tests/helpers/conversation_fixtures'
import {
  assigneeOf,
  goOnline,
  knownClient,
  nextWaId,
  servedBy,
} from '#tests/helpers/routing_fixtures'
import resolution from '#services/conversation_resolution'
import { isWithinBusinessHours } from '#services/routing/business_hours'

/** The bot-authored messages of a conversation (author null, outbound, not notes). */
async function automaticOf(conversationId: number) {
  const rows = await db
    .from('messages')
    .where('conversation_id', conversationId)
    .where('direction', 'out')
    .whereNull('author_user_id')
    .orderBy('id')
    .select('body', 'status', 'metadata')
  return rows.map((row) => ({ body: row.body, status: row.status, kind: row.metadata?.automatic }))
}

const CLOSED = {
  days: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [
      d,
      [{ from: '00:00', to: '00:00' }],
    ])
  ),
}

test.group('Automatic messages', (group) => {
  group.each.setup(() => resetDatabase())

  test('welcome once per new conversation, queued in the outbox, chat still pending', async ({
    assert,
  }) => {
    const connection = await createConnection({ welcomeMessage: 'Bienvenido a Cooperativa Andina' })
    const waId = nextWaId()
    const first = await receive(connection, { waId })
    await receive(connection, { waId })

    assert.deepEqual(await automaticOf(first.conversationId), [
      { body: 'Bienvenido a Cooperativa Andina', status: 'queued', kind: 'welcome' },
    ])
    const outbox = await db.from('outbox').where('conversation_id', first.conversationId)
    assert.lengthOf(outbox, 1)
    const conversation = await db.from('conversations').where('id', first.conversationId).first()
    // An automatic message is not an answer: both customer messages still wait for a person.
    assert.equal(conversation.pending_count, 2)
    assert.isNull(conversation.first_response_at)
    assert.equal(conversation.state, 'new')
  })

  test('out of hours: sent once per conversation, instead of the welcome', async ({ assert }) => {
    const connection = await createConnection({
      welcomeMessage: 'Bienvenido',
      outOfHoursMessage: 'Estamos fuera de horario',
      businessHours: CLOSED,
    })
    const waId = nextWaId()
    const first = await receive(connection, { waId })
    await receive(connection, { waId })
    await receive(connection, { waId })

    assert.deepEqual(
      (await automaticOf(first.conversationId)).map((m) => m.kind),
      ['out_of_hours']
    )
  })

  test('farewell once on resolve, without reopening the chat', async ({ assert }) => {
    const connection = await createConnection({ farewellMessage: 'Gracias por escribirnos' })
    const { conversationId } = await receive(connection, { waId: nextWaId() })

    await resolution.resolve(conversationId, null)
    await resolution.reopen(conversationId, null)
    await resolution.resolve(conversationId, null)

    assert.deepEqual(
      (await automaticOf(conversationId)).map((m) => m.kind),
      ['farewell']
    )
    const conversation = await db.from('conversations').where('id', conversationId).first()
    assert.equal(conversation.state, 'resolved')
  })

  test('known clients only: unknown senders get the auto-reply once and no agent', async ({
    assert,
  }) => {
    const connection = await createConnection({
      knownClientsOnly: true,
      unknownSenderMessage: 'Su número no está registrado; llame al 1800-000',
      welcomeMessage: 'Bienvenido',
    })
    const agent = await createUser('agent')
    await servedBy(connection, agent)
    await goOnline(agent)

    const waId = nextWaId()
    const unknown = await receive(connection, { waId })
    await receive(connection, { waId })
    assert.deepEqual(
      (await automaticOf(unknown.conversationId)).map((m) => m.body),
      ['Su número no está registrado; llame al 1800-000']
    )
    const state = await assigneeOf(unknown.conversationId)
    assert.isNull(state.userId)
    assert.equal(state.routingState, 'unknown_sender')

    const knownWaId = nextWaId()
    await knownClient(knownWaId, null)
    const known = await receive(connection, { waId: knownWaId })
    assert.equal((await assigneeOf(known.conversationId)).userId, agent.id)
    assert.deepEqual(
      (await automaticOf(known.conversationId)).map((m) => m.kind),
      ['welcome']
    )
  })

  test('batched messages read the settings under their lock: configured later, still sent; none, no lookup', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const waId = nextWaId()
    const first = await receive(connection, { waId })
    const events = emitter.fake(['conversation:message_received'])
    await ingest.messages(connection.id, [inboundText({ waId }), inboundText({ waId })])
    // Nothing configured: the events tell routing so, and it skips its lookup.
    events.assertEmitted(
      'conversation:message_received',
      ({ data }) => data.conversationId === first.conversationId && data.automaticMessages === false
    )
    emitter.restore()

    // Configured while the chat is open: the next batch sees it.
    await db
      .from('connections')
      .where('id', connection.id)
      .update({
        out_of_hours_message: 'Estamos fuera de horario',
        business_hours: JSON.stringify(CLOSED),
      })
    await ingest.messages(connection.id, [inboundText({ waId }), inboundText({ waId })])
    assert.deepEqual(
      (await automaticOf(first.conversationId)).map((m) => m.kind),
      ['out_of_hours']
    )
  })

  test('empty messages send nothing', async ({ assert }) => {
    const connection = await createConnection({ welcomeMessage: '   ', farewellMessage: null })
    const { conversationId } = await receive(connection, { waId: nextWaId() })
    await resolution.resolve(conversationId, null)
    assert.lengthOf(await automaticOf(conversationId), 0)
  })
})

test.group('Business hours', () => {
  test('open inside a range, in the hours’ own timezone, across midnight', ({ assert }) => {
    const hours = { timezone: 'America/Guayaquil', days: { mon: [{ from: '08:00', to: '17:00' }] } }
    // Monday 2026-11-30 09:00 in Guayaquil (UTC-5) = 14:00 UTC.
    assert.isTrue(isWithinBusinessHours(hours, new Date('2026-11-30T14:00:00Z'), 'UTC'))
    assert.isFalse(isWithinBusinessHours(hours, new Date('2026-11-30T22:30:00Z'), 'UTC'))
    assert.isFalse(isWithinBusinessHours(hours, new Date('2026-12-01T14:00:00Z'), 'UTC'))
    assert.isTrue(isWithinBusinessHours(null, new Date(), 'UTC'))

    const night = { days: { fri: [{ from: '22:00', to: '06:00' }] } }
    assert.isTrue(isWithinBusinessHours(night, new Date('2026-11-27T23:00:00Z'), 'UTC'))
    assert.isTrue(isWithinBusinessHours(night, new Date('2026-11-28T05:00:00Z'), 'UTC'))
    assert.isFalse(isWithinBusinessHours(night, new Date('2026-11-28T07:00:00Z'), 'UTC'))
  })
})
