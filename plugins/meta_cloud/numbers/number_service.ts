import type Connection from '#models/connection'
import { metaContext } from '../plugin_context.js'
import { META_DEFAULTS } from '../settings.js'
import { checkCredentials, type CredentialProblem } from './credentials_check.js'
import metaNumbers, { type MetaNumberInput } from './meta_numbers.js'
import drivers from '../driver/meta_driver.js'
import templateSync from '../templates/template_sync.js'

export type NumberProblem = CredentialProblem | 'phone_taken' | 'secrets_required'

export type NumberResult =
  | { ok: true; connection: Connection }
  | { ok: false; problem: NumberProblem; details: string | null }

export interface AddNumberInput extends MetaNumberInput {
  name: string
}

export interface UpdateNumberInput {
  name: string
  phoneNumberId: string
  wabaId: string
  /** Blank keeps the saved value (secrets are never sent back to the browser). */
  accessToken?: string | null
  appSecret?: string | null
  verifyToken: string
  markRead: boolean
}

/** Graph shows numbers formatted ('+1 555-000-1234'); connections keep E.164. */
function toE164(display: string | null) {
  const digits = display?.replace(/\D/g, '')
  return digits ? `+${digits}` : null
}

/**
 * Adding and editing Meta numbers, shared by the settings pages and the
 * ace command: the same checks against the Graph API, nothing saved when
 * one fails.
 */
export class NumberService {
  async add(input: AddNumberInput): Promise<NumberResult> {
    if (await metaNumbers.takenBy(input.phoneNumberId)) {
      return { ok: false, problem: 'phone_taken', details: null }
    }
    const check = await checkCredentials(input)
    if (!check.ok) return check

    const ctx = metaContext()
    const connection = await ctx.ports.channels.createConnection({
      name: input.name,
      phone: toE164(check.profile.displayPhoneNumber),
    })
    // The outbox's token bucket reads this: Meta's default throughput per number (A.9).
    connection.sendRatePerSecond = ctx.settings.get().ratePerSecond ?? META_DEFAULTS.ratePerSecond
    await connection.save()
    await metaNumbers.save(connection.id, input)
    await metaNumbers.updateProfile(connection.id, check.profile)
    await this.#afterSave(connection)
    return { ok: true, connection }
  }

  async update(connectionId: number, input: UpdateNumberInput): Promise<NumberResult> {
    const ctx = metaContext()
    const connection = await ctx.ports.channels.findConnection(connectionId)
    const current = await metaNumbers.byConnection(connectionId)
    if (!connection) return { ok: false, problem: 'phone_not_found', details: null }
    const accessToken = input.accessToken || current?.accessToken
    const appSecret = input.appSecret || current?.appSecret
    if (!accessToken || !appSecret) return { ok: false, problem: 'secrets_required', details: null }
    const taken = await metaNumbers.takenBy(input.phoneNumberId)
    if (taken && taken !== connectionId) return { ok: false, problem: 'phone_taken', details: null }

    const check = await checkCredentials({ ...input, accessToken, appSecret })
    if (!check.ok) return check
    connection.name = input.name
    connection.phoneE164 = toE164(check.profile.displayPhoneNumber) ?? connection.phoneE164
    await connection.save()
    await metaNumbers.save(connectionId, { ...input, accessToken, appSecret })
    await metaNumbers.updateProfile(connectionId, check.profile)
    await this.#afterSave(connection)
    return { ok: true, connection }
  }

  async #afterSave(connection: Connection) {
    const ctx = metaContext()
    if (!ctx.isActive()) return
    await drivers.for(connection.id).connect()
    await templateSync
      .sync(connection.id)
      .catch((error) =>
        ctx.logger.warn({ err: error, connectionId: connection.id }, 'template sync failed')
      )
  }
}

export default new NumberService()
