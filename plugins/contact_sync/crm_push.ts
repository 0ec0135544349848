import type { ContactSummary } from '#channels/feature_ports'
import type { ContactSyncContext } from './context.js'

/** Chasqui's side of a field mapping line `crm_field=chasqui_field`. */
const CHASQUI_FIELDS: Record<string, (contact: ContactSummary) => unknown> = {
  id: (c) => c.id,
  name: (c) => c.name,
  phone: (c) => c.phoneE164,
  waId: (c) => c.waId,
  lid: (c) => c.lid,
  photo: (c) => c.profilePhotoUrl,
  holder: (c) => c.holderName,
  document: (c) => c.documentId,
  createdAt: (c) => c.createdAt.toISOString(),
  updatedAt: (c) => c.updatedAt.toISOString(),
}

export const DEFAULT_FIELD_MAP = 'id=id\nname=name\nphone=phone'
const MAX_ATTEMPTS = 8
const BATCH = 20
const TIMEOUT_MS = 10_000

export function parseFieldMap(text: string | null | undefined) {
  const pairs: [string, string][] = []
  for (const line of (text?.trim() ? text : DEFAULT_FIELD_MAP).split(/\r?\n/)) {
    const [crm, chasqui] = line.split('=').map((part) => part.trim())
    if (crm && chasqui && CHASQUI_FIELDS[chasqui]) pairs.push([crm, chasqui])
  }
  return pairs
}

/** The JSON body the CRM receives for one contact. */
export function crmPayload(contact: ContactSummary, fieldMap: string | null | undefined) {
  const body: Record<string, unknown> = {}
  for (const [crm, chasqui] of parseFieldMap(fieldMap)) body[crm] = CHASQUI_FIELDS[chasqui](contact)
  return body
}

/** 30 s, 1 min, 2 min… capped at an hour. */
export function backoffMs(attempts: number) {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000)
}

/**
 * Created and updated contacts go to an external CRM's REST endpoint
 * (optional). Each change is queued in the plugin's own table first, so a
 * CRM that is down loses nothing: the job retries with backoff, a 4xx
 * (other than 408/429) is a permanent refusal shown on the report page, and
 * several changes to one contact while it waits are sent once.
 */
export class CrmPush {
  constructor(private ctx: ContactSyncContext) {}

  get enabled() {
    return !!this.ctx.settings.get().crmUrl
  }

  async queue(contactId: number) {
    if (!this.enabled) return
    const now = new Date()
    await this.ctx.db
      .knexQuery()
      .table('contact_sync_pushes')
      .insert({
        contact_id: contactId,
        state: 'pending',
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict(this.ctx.db.knexRawQuery(`(contact_id) WHERE state = 'pending'`))
      .ignore()
  }

  /** One pass of the queue (the plugin's job): sends what is due; returns how many were tried. */
  async run(): Promise<number> {
    if (!this.enabled) return 0
    return this.ctx.db.transaction(async (trx) => {
      const due = await trx
        .from('contact_sync_pushes')
        .where('state', 'pending')
        .where('next_attempt_at', '<=', new Date())
        .orderBy('next_attempt_at')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
      for (const push of due) {
        const outcome = await this.#send(Number(push.contact_id))
        const attempts = Number(push.attempts) + 1
        const now = new Date()
        const state = outcome.ok
          ? 'sent'
          : outcome.retryable && attempts < MAX_ATTEMPTS
            ? 'pending'
            : 'failed'
        await trx
          .from('contact_sync_pushes')
          .where('id', push.id)
          .update({
            state,
            attempts,
            last_status: outcome.status,
            last_error: outcome.ok ? null : outcome.error,
            next_attempt_at:
              state === 'pending' ? new Date(now.getTime() + backoffMs(attempts)) : now,
            sent_at: outcome.ok ? now : null,
            updated_at: now,
          })
        if (state === 'failed') {
          await this.ctx.systemEvents.record({
            level: 'critical',
            category: 'contact_sync.crm_push_failed',
            message: `The CRM refused contact ${push.contact_id} after ${attempts} attempt(s): ${outcome.error}`,
            context: { contactId: Number(push.contact_id), status: outcome.status },
          })
        }
      }
      return due.length
    })
  }

  /** A failed push goes back in the queue, now (an admin fixed the CRM or the mapping). */
  async retry(pushId: number) {
    const now = new Date()
    const updated = await this.ctx.db
      .from('contact_sync_pushes')
      .where('id', pushId)
      .where('state', 'failed')
      .whereNotExists((query) =>
        query
          .from('contact_sync_pushes as waiting')
          .whereRaw('waiting.contact_id = contact_sync_pushes.contact_id')
          .where('waiting.state', 'pending')
      )
      .update({ state: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
    return Number(updated) > 0 || (Array.isArray(updated) && updated.length > 0)
  }

  async #send(
    contactId: number
  ): Promise<{ ok: boolean; retryable: boolean; status: number | null; error: string | null }> {
    const contact = await this.ctx.ports.contacts.find(contactId)
    if (!contact) return { ok: false, retryable: false, status: null, error: 'contact not found' }
    const settings = this.ctx.settings.get()
    try {
      const response = await fetch(settings.crmUrl!, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': `chasqui-contact-${contact.id}-${contact.updatedAt.getTime()}`,
          ...(settings.crmToken ? { Authorization: `Bearer ${settings.crmToken}` } : {}),
        },
        body: JSON.stringify(crmPayload(contact, settings.crmFieldMap)),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      if (response.ok) return { ok: true, retryable: false, status: response.status, error: null }
      const text = (await response.text().catch(() => '')).slice(0, 500)
      const retryable = response.status >= 500 || [408, 425, 429].includes(response.status)
      return {
        ok: false,
        retryable,
        status: response.status,
        error: `HTTP ${response.status}${text ? `: ${text}` : ''}`,
      }
    } catch (error) {
      return { ok: false, retryable: true, status: null, error: (error as Error).message }
    }
  }
}
