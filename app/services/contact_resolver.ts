import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { ContactIdentity } from '#channels/ingest_port'
import { normalizeWaId, toE164, waIdToE164 } from '#services/phone_numbers'
import { preparedQuery } from '#services/prepared_query'
import contactMerger, { type MergeOutcome } from '#services/contact_merger'

export interface ResolvedContact {
  id: number
  created: boolean
  /** A stored field changed (new identifier learned, new profile name or photo). */
  changed: boolean
  /** Records merged into this one on the way (announce them after commit). */
  merges?: MergeOutcome[]
}

interface NormalizedIdentity {
  waId: string | null
  phoneE164: string | null
  lid: string | null
  bsuid: string | null
}

type IdentityColumn = 'wa_id' | 'bsuid' | 'lid' | 'phone_e164'

/** When several contacts match, the most specific identifier wins. */
const PRIORITY: [IdentityColumn, keyof NormalizedIdentity][] = [
  ['wa_id', 'waId'],
  ['bsuid', 'bsuid'],
  ['lid', 'lid'],
  ['phone_e164', 'phoneE164'],
]

export class EmptyContactIdentityError extends Error {
  constructor() {
    super('A contact needs at least one of waId, phone, lid or bsuid')
  }
}

/**
 * Finds the contact behind a WhatsApp identity, or creates it, inside the
 * caller's transaction. A person may show up with only a LID today and
 * with a phone tomorrow: whatever identifier matches first finds the
 * contact, and the identifiers it lacked are learned. When the report's
 * identifiers match two records (a LID-only one and a phone one, before
 * WhatsApp revealed the mapping), they are one person: the records and
 * their conversations merge (contact_merger.ts).
 */
export class ContactResolver {
  async resolve(
    identity: ContactIdentity,
    trx: TransactionClientContract,
    options: { create?: boolean; known?: KnownContacts } = {}
  ): Promise<ResolvedContact | null> {
    const ids = await this.normalize(identity, trx)
    if (!ids.waId && !ids.phoneE164 && !ids.lid && !ids.bsuid) throw new EmptyContactIdentityError()

    // Twice at most: a concurrent transaction may insert the same person between our lookup and insert.
    for (let round = 0; round < 2; round++) {
      let candidates =
        round === 0 && options.known
          ? options.known.candidates(ids)
          : await this.candidates(ids, trx)
      const merges = candidates.length > 1 ? await this.mergeSamePerson(candidates, trx) : []
      if (merges.length) candidates = await this.candidates(ids, trx)
      const match = this.pick(candidates, ids)
      if (match) {
        const changed = await this.learn(match, candidates, ids, identity, trx)
        return merges.length
          ? { id: match.id, created: false, changed: true, merges }
          : { id: match.id, created: false, changed }
      }
      if (options.create === false) return null

      const now = new Date()
      const inserted = await trx
        .knexQuery()
        .table('contacts')
        .insert({
          display_name: clean(identity.profileName),
          profile_name: clean(identity.profileName),
          username: clean(identity.username, 100),
          phone_e164: ids.phoneE164,
          wa_id: ids.waId,
          lid: ids.lid,
          bsuid: ids.bsuid,
          profile_photo_url: clean(identity.profilePhotoUrl, 4000),
          created_at: now,
          updated_at: now,
        })
        .onConflict()
        .ignore()
        .returning('id')
      if (inserted.length) return { id: Number(inserted[0].id), created: true, changed: true }
    }
    throw new Error('Could not resolve the contact after a concurrent insert')
  }

  /**
   * The contacts a batch of identities can match, in one query, with each
   * one's open conversation on `connectionId`. `resolve` then picks from
   * them instead of querying; the caller stops passing them once a resolve
   * changed something (they would be stale).
   */
  async known(
    identities: ContactIdentity[],
    connectionId: number,
    trx: TransactionClientContract
  ): Promise<KnownContacts> {
    const all = await Promise.all(identities.map((identity) => this.normalize(identity, trx)))
    const values = (key: keyof NormalizedIdentity) => [
      ...new Set(all.map((ids) => ids[key]).filter((value): value is string => !!value)),
    ]
    const result = await preparedQuery<{
      rows: (ContactRow & { open_conversation_id: number | null })[]
    }>(
      trx,
      `SELECT ${CONTACT_COLUMNS.split(', ')
        .map((column) => `c.${column}`)
        .join(', ')},
              v.id AS open_conversation_id
         FROM contacts c
         LEFT JOIN conversations v
           ON v.contact_id = c.id AND v.connection_id = ? AND v.state <> 'resolved'
        WHERE c.wa_id = ANY(?) OR c.bsuid = ANY(?) OR c.lid = ANY(?) OR c.phone_e164 = ANY(?)`,
      [connectionId, values('waId'), values('bsuid'), values('lid'), values('phoneE164')]
    )
    return new KnownContacts(
      result.rows.map((row) => ({
        ...row,
        id: Number(row.id),
        open_conversation_id:
          row.open_conversation_id === null ? null : Number(row.open_conversation_id),
      }))
    )
  }

  /** Identifiers in their stored shapes. */
  async normalize(
    identity: ContactIdentity,
    trx: TransactionClientContract
  ): Promise<NormalizedIdentity> {
    const waId = normalizeWaId(identity.waId)
    let phoneE164: string | null = null
    if (identity.phone) {
      const international = identity.phone.trim().startsWith('+')
      phoneE164 = toE164(identity.phone, international ? 'EC' : await this.defaultCountry(trx))
    }
    if (!phoneE164 && waId) phoneE164 = waIdToE164(waId)
    const lid = identity.lid ? identity.lid.split('@')[0].split(':')[0].trim() || null : null
    return { waId, phoneE164, lid, bsuid: clean(identity.bsuid, 160) }
  }

  private async defaultCountry(trx: TransactionClientContract) {
    const row = await trx.from('organizations').orderBy('id').select('default_country_code').first()
    return (row?.default_country_code as string | undefined) ?? 'EC'
  }

  /** Every contact holding one of the identifiers (prepared: it runs for every inbound message). */
  private async candidates(ids: NormalizedIdentity, trx: TransactionClientContract) {
    const present = PRIORITY.filter(([, key]) => ids[key])
    const result = await preparedQuery<{ rows: ContactRow[] }>(
      trx,
      `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${present.map(([column]) => `${column} = ?`).join(' OR ')}`,
      present.map(([, key]) => ids[key])
    )
    return result.rows.map((row) => ({ ...row, id: Number(row.id) }))
  }

  /**
   * One identity report (the channel's word: these ids are one person) that
   * matches several records merges them into the oldest — unless two of them
   * hold different values for the same identifier, which no report can
   * reconcile (left for a person).
   */
  private async mergeSamePerson(candidates: ContactRow[], trx: TransactionClientContract) {
    const [oldest, ...others] = [...candidates].sort((a, b) => a.id - b.id)
    const merges: MergeOutcome[] = []
    let kept = { ...oldest }
    for (const other of others) {
      const clash = PRIORITY.some(
        ([column]) => kept[column] && other[column] && kept[column] !== other[column]
      )
      if (clash) continue
      merges.push(await contactMerger.merge(trx, kept.id, other.id))
      for (const [column] of PRIORITY) kept = { ...kept, [column]: kept[column] ?? other[column] }
    }
    return merges
  }

  private pick(candidates: ContactRow[], ids: NormalizedIdentity) {
    for (const [column, key] of PRIORITY) {
      const found = ids[key] && candidates.find((row) => row[column] === ids[key])
      if (found) return found
    }
    return null
  }

  private async learn(
    contact: ContactRow,
    candidates: ContactRow[],
    ids: NormalizedIdentity,
    identity: ContactIdentity,
    trx: TransactionClientContract
  ) {
    const patch: Record<string, unknown> = {}
    for (const [column, key] of PRIORITY) {
      const value = ids[key]
      if (!value || contact[column]) continue
      const heldByAnother = candidates.some((row) => row.id !== contact.id && row[column] === value)
      if (!heldByAnother) patch[column] = value
    }
    const profileName = clean(identity.profileName)
    if (profileName && profileName !== contact.profile_name) patch.profile_name = profileName
    if (profileName && !contact.display_name) patch.display_name = profileName
    const username = clean(identity.username, 100)
    if (username && username !== contact.username) patch.username = username
    const photo = clean(identity.profilePhotoUrl, 4000)
    if (photo && photo !== contact.profile_photo_url) patch.profile_photo_url = photo

    if (!Object.keys(patch).length) return false
    patch.updated_at = new Date()
    await trx.from('contacts').where('id', contact.id).update(patch)
    return true
  }
}

/** Contacts read beforehand for a batch (ContactResolver.known). */
export class KnownContacts {
  constructor(private rows: (ContactRow & { open_conversation_id: number | null })[]) {}

  /** What the candidates query would return for these identifiers. */
  candidates(ids: NormalizedIdentity): ContactRow[] {
    return this.rows.filter((row) =>
      PRIORITY.some(([column, key]) => ids[key] && row[column] === ids[key])
    )
  }

  /** The contact's open conversation on the batch's connection, as read. */
  openConversationOf(contactId: number) {
    return this.rows.find((row) => row.id === contactId)?.open_conversation_id ?? null
  }
}

const CONTACT_COLUMNS =
  'id, display_name, profile_name, username, phone_e164, wa_id, lid, bsuid, profile_photo_url'

interface ContactRow {
  id: number
  display_name: string | null
  profile_name: string | null
  username: string | null
  phone_e164: string | null
  wa_id: string | null
  lid: string | null
  bsuid: string | null
  profile_photo_url: string | null
}

/** Trimmed, null when blank, cut to the column's width (provider names can be long). */
function clean(value: string | null | undefined, max = 200) {
  const text = value?.trim()
  return text ? Array.from(text).slice(0, max).join('') : null
}

export default new ContactResolver()
