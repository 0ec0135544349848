import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import ingest from '#channels/ingest_service'
import Contact from '#models/contact'
import { toE164 } from '#services/phone_numbers'
import { createOrganization, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, inboundText } from '#tests/helpers/conversation_fixtures'

async function contactCount() {
  const [row] = await db.from('contacts').count('* as total')
  return Number(row.total)
}

test.group('Contact resolution', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => emitter.restore())

  test('phone formats normalize to one E.164 number ({$self})')
    .with([
      '0991234567',
      '099 123 4567',
      '(099) 123-4567',
      '+593 99 123 4567',
      '593991234567',
      '+593991234567',
    ])
    .run(({ assert }, input) => {
      assert.equal(toE164(input.startsWith('593') ? `+${input}` : input, 'EC'), '+593991234567')
    })

  test('the same wa_id always finds the same contact', async ({ assert }) => {
    const connection = await createConnection()
    const a = await ingest.message(connection.id, inboundText({ waId: '593991234567' }))
    const b = await ingest.message(
      connection.id,
      inboundText({ waId: '593991234567@s.whatsapp.net' })
    )
    const c = await ingest.message(
      connection.id,
      inboundText({ waId: '593991234567:12@s.whatsapp.net' })
    )
    assert.equal(a.contactId, b.contactId)
    assert.equal(a.contactId, c.contactId)
    assert.equal(await contactCount(), 1)
  })

  test('a phone in national format (organization default country) finds the contact known by wa_id', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const byWaId = await ingest.message(connection.id, inboundText({ waId: '593991234567' }))
    const byPhone = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { phone: '099 123 4567' },
    })
    assert.equal(byPhone.contactId, byWaId.contactId)
    assert.equal(await contactCount(), 1)
  })

  test('the default country comes from the organization', async ({ assert }) => {
    await createOrganization({ defaultCountryCode: 'CO' })
    const connection = await createConnection()
    const result = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { phone: '300 123 4567' },
    })
    assert.equal((await Contact.findOrFail(result.contactId)).phoneE164, '+573001234567')
  })

  test('a LID-only sender is one contact that later learns its phone (Baileys)', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const lidOnly = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { lid: '123456789012345@lid', profileName: 'Ana' },
    })
    const withPhone = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { lid: '123456789012345:7@lid', waId: '5511987654321', profileName: 'Ana' },
    })
    const phoneOnly = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { waId: '5511987654321' },
    })

    assert.equal(withPhone.contactId, lidOnly.contactId)
    assert.equal(phoneOnly.contactId, lidOnly.contactId)
    const contact = await Contact.findOrFail(lidOnly.contactId)
    assert.equal(contact.lid, '123456789012345')
    assert.equal(contact.waId, '5511987654321')
    assert.equal(contact.phoneE164, '+5511987654321')
  })

  test('a business-scoped user id without phone (Meta usernames) is found again, and learns wa_id', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const first = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { bsuid: 'US.13491208655302741918', username: 'ana.shop', profileName: 'Ana' },
    })
    const second = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { bsuid: 'US.13491208655302741918', waId: '15557654321' },
    })
    assert.equal(second.contactId, first.contactId)
    const contact = await Contact.findOrFail(first.contactId)
    assert.equal(contact.bsuid, 'US.13491208655302741918')
    assert.equal(contact.username, 'ana.shop')
    assert.equal(contact.waId, '15557654321')
    assert.equal(contact.phoneE164, '+15557654321')
  })

  test('a LID record and a phone record of one person merge when they arrive together; nothing is lost', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const other = await createConnection()
    const byLid = await ingest.message(connection.id, {
      ...inboundText({ body: 'por LID' }),
      contact: { lid: '999', profileName: 'Rosa' },
    })
    const byPhone = await ingest.message(connection.id, {
      ...inboundText({ body: 'por teléfono' }),
      contact: { waId: '593990000001' },
    })
    // The phone record also has a resolved chat on another number: it must follow.
    const elsewhere = await ingest.message(other.id, {
      ...inboundText({ body: 'otra línea' }),
      contact: { waId: '593990000001' },
    })
    await db.from('conversations').where('id', elsewhere.conversationId).update({
      state: 'resolved',
      resolved_at: new Date(),
    })
    assert.notEqual(byLid.contactId, byPhone.contactId)

    // WhatsApp now says both ids are one person.
    const events = emitter.fake()
    const both = await ingest.message(connection.id, {
      ...inboundText({ body: 'ya con los dos' }),
      contact: { lid: '999', waId: '593990000001' },
    })

    assert.equal(both.contactId, byLid.contactId, 'the older record is kept')
    events.assertEmitted(
      'contact:merged',
      ({ data }) =>
        data.keptId === byLid.contactId &&
        data.mergedId === byPhone.contactId &&
        data.joinedConversationIds.includes(byPhone.conversationId)
    )
    assert.equal(await contactCount(), 1)
    const contact = await Contact.findOrFail(byLid.contactId)
    assert.equal(contact.lid, '999')
    assert.equal(contact.waId, '593990000001')
    assert.equal(contact.phoneE164, '+593990000001')
    assert.equal(contact.profileName, 'Rosa')

    // Both open chats on the same number became one, with every message and the counts added up.
    assert.equal(both.conversationId, byLid.conversationId)
    const messages = await db
      .from('messages')
      .where('conversation_id', byLid.conversationId)
      .orderBy('id')
      .select('body')
    assert.deepEqual(
      messages.map((m) => m.body),
      ['por LID', 'por teléfono', 'ya con los dos']
    )
    const kept = await db.from('conversations').where('id', byLid.conversationId).firstOrFail()
    assert.equal(kept.unread_count, 3)
    assert.equal(kept.pending_count, 3)
    assert.equal(kept.last_message_preview, 'ya con los dos')
    const emptied = await db.from('conversations').where('id', byPhone.conversationId).firstOrFail()
    assert.equal(emptied.state, 'resolved')
    assert.equal(emptied.contact_id, byLid.contactId)
    const moved = await db.from('conversations').where('id', elsewhere.conversationId).firstOrFail()
    assert.equal(moved.contact_id, byLid.contactId)
    assert.equal(
      (await db.from('messages').where('conversation_id', elsewhere.conversationId)).length,
      1
    )
  })

  test('records that hold different values of one identifier are not merged', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const first = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { waId: '593990000002', lid: '111' },
    })
    const second = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { lid: '222' },
    })
    // Phone of the first, LID of the second: the first already has another LID.
    const report = await ingest.message(connection.id, {
      ...inboundText(),
      contact: { waId: '593990000002', lid: '222' },
    })
    assert.equal(report.contactId, first.contactId)
    assert.equal(await contactCount(), 2)
    assert.equal((await Contact.findOrFail(first.contactId)).lid, '111')
    assert.equal((await Contact.findOrFail(second.contactId)).lid, '222')
  })

  test('the profile name refreshes; an edited display name is kept', async ({ assert }) => {
    const connection = await createConnection()
    const first = await ingest.message(connection.id, inboundText({ name: 'Pepe' }))
    await Contact.query()
      .where('id', first.contactId)
      .update({ display_name: 'José (cliente VIP)' })
    await ingest.message(connection.id, inboundText({ name: 'José P.' }))
    const contact = await Contact.findOrFail(first.contactId)
    assert.equal(contact.profileName, 'José P.')
    assert.equal(contact.displayName, 'José (cliente VIP)')
  })

  test('an empty identity is refused', async ({ assert }) => {
    const connection = await createConnection()
    await assert.rejects(
      () => ingest.message(connection.id, { ...inboundText(), contact: { profileName: 'x' } }),
      /at least one/
    )
    assert.equal(await contactCount(), 0)
  })

  test('the contact port upserts and emits only on change; create: false never creates', async ({
    assert,
  }) => {
    const connection = await createConnection()
    const events = emitter.fake()
    const created = await ingest.contact(connection.id, {
      contact: { waId: '593991111111', profileName: 'Luis' },
    })
    const same = await ingest.contact(connection.id, {
      contact: { waId: '593991111111', profileName: 'Luis' },
    })
    const renamed = await ingest.contact(connection.id, {
      contact: { waId: '593991111111', profileName: 'Luis A.' },
    })
    const unknown = await ingest.contact(connection.id, {
      contact: { waId: '593992222222' },
      create: false,
    })

    assert.isTrue(created.created)
    assert.equal(same.contactId, created.contactId)
    assert.isFalse(renamed.created)
    assert.deepEqual(unknown, { contactId: null, created: false })
    events.assertEmittedCount('contact:upserted', 2)
    assert.equal(await contactCount(), 1)
  })
})
