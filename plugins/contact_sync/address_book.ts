import type { ContactReportedEvent } from '#events/conversation_events'
import type { ContactSyncContext } from './context.js'

export type SyncOutcome = 'created' | 'updated' | 'skipped'

/**
 * R-INT-1: the contacts a channel reads from the WhatsApp account become
 * Chasqui contacts. The channel reports each one (`contact:reported`); the
 * core already keeps identities of people it knows up to date, so what
 * this adds is creating the ones it doesn't know (when the admin wants it)
 * and a report of created / updated / skipped per connection.
 */
export class AddressBook {
  constructor(private ctx: ContactSyncContext) {}

  async reported(event: ContactReportedEvent) {
    const { outcome, reason, contactId } = await this.#apply(event)
    const identity = event.identity
    await this.ctx.db.transaction(async (trx) => {
      await trx
        .knexQuery()
        .table('contact_sync_tallies')
        .insert({ connection_id: event.connectionId, [outcome]: 1, last_contact_at: new Date() })
        .onConflict('connection_id')
        .merge({
          [outcome]: trx.knexRawQuery(`contact_sync_tallies.${outcome} + 1`),
          last_contact_at: new Date(),
        })
      await trx
        .insertQuery()
        .table('contact_sync_entries')
        .insert({
          connection_id: event.connectionId,
          contact_id: contactId,
          outcome,
          reason,
          name: identity.profileName?.slice(0, 200) ?? null,
          phone: (identity.phone ?? identity.waId ?? identity.lid ?? null)?.slice(0, 40) ?? null,
          created_at: new Date(),
        })
    })
  }

  async #apply(
    event: ContactReportedEvent
  ): Promise<{ outcome: SyncOutcome; reason: string | null; contactId: number | null }> {
    if (event.contactId) {
      if (event.created) return { outcome: 'created', reason: null, contactId: event.contactId }
      return event.changed
        ? { outcome: 'updated', reason: null, contactId: event.contactId }
        : { outcome: 'skipped', reason: 'unchanged', contactId: event.contactId }
    }
    if (!this.ctx.settings.get().createContacts) {
      return { outcome: 'skipped', reason: 'creation_disabled', contactId: null }
    }
    const { identity } = event
    // A bare LID↔phone mapping (a group member, a forwarded contact) is not an address-book entry.
    if (!identity.profileName?.trim())
      return { outcome: 'skipped', reason: 'no_name', contactId: null }
    if (!identity.phone && !identity.waId) {
      return { outcome: 'skipped', reason: 'no_phone', contactId: null }
    }
    const upsert = await this.ctx.ports.contacts.upsert(identity)
    if (upsert.created) return { outcome: 'created', reason: null, contactId: upsert.contactId }
    return upsert.changed
      ? { outcome: 'updated', reason: null, contactId: upsert.contactId }
      : { outcome: 'skipped', reason: 'unchanged', contactId: upsert.contactId }
  }
}
