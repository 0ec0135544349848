import encryption from '@adonisjs/core/services/encryption'
import db from '@adonisjs/lucid/services/db'
import { GraphClient } from '../graph/graph_client.js'
import { metaContext } from '../plugin_context.js'
import { META_DEFAULTS } from '../settings.js'

/** One Meta business number, bound to one core connection, secrets decrypted. */
export interface MetaNumber {
  connectionId: number
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
  verifyToken: string
  displayPhoneNumber: string | null
  verifiedName: string | null
  markRead: boolean
}

export interface MetaNumberInput {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
  verifyToken: string
  markRead?: boolean
}

/** Ciphertexts are bound to their purpose: a token copied into another column does not decrypt. */
const TOKEN = 'meta_cloud.access_token'
const SECRET = 'meta_cloud.app_secret'
const CACHE_MS = 30_000

/**
 * The plugin's numbers (table meta_cloud_numbers). Reads are cached in
 * memory for the webhook's hot path and re-read after CACHE_MS or a miss,
 * so a number added by another instance is found on its first webhook.
 */
export class MetaNumbers {
  #byPhone = new Map<string, MetaNumber>()
  #loadedAt = 0
  #loading: Promise<void> | null = null

  graphFor(number: Pick<MetaNumber, 'accessToken' | 'appSecret'>) {
    const settings = metaContext().settings.get()
    return new GraphClient({
      baseUrl: settings.graphApiBaseUrl ?? META_DEFAULTS.graphApiBaseUrl,
      version: settings.graphApiVersion ?? META_DEFAULTS.graphApiVersion,
      accessToken: number.accessToken,
      appSecret: number.appSecret,
    })
  }

  async all(): Promise<MetaNumber[]> {
    await this.#fresh()
    return [...this.#byPhone.values()]
  }

  async byPhoneNumberId(phoneNumberId: string): Promise<MetaNumber | null> {
    await this.#fresh()
    if (!this.#byPhone.has(phoneNumberId)) await this.reload()
    return this.#byPhone.get(phoneNumberId) ?? null
  }

  async byConnection(connectionId: number): Promise<MetaNumber | null> {
    await this.#fresh()
    const cached = [...this.#byPhone.values()].find((n) => n.connectionId === connectionId)
    if (cached) return cached
    await this.reload()
    return [...this.#byPhone.values()].find((n) => n.connectionId === connectionId) ?? null
  }

  /** App secrets in use: a webhook is authentic when one of them signed it. */
  async appSecrets(): Promise<string[]> {
    return [...new Set((await this.all()).map((n) => n.appSecret))]
  }

  async save(connectionId: number, input: MetaNumberInput, trx = db) {
    const now = new Date()
    const row = {
      phone_number_id: input.phoneNumberId,
      waba_id: input.wabaId,
      access_token_encrypted: encryption.encrypt(input.accessToken, { purpose: TOKEN }),
      app_secret_encrypted: encryption.encrypt(input.appSecret, { purpose: SECRET }),
      verify_token: input.verifyToken,
      mark_read: input.markRead ?? true,
      updated_at: now,
    }
    await trx
      .table('meta_cloud_numbers')
      .insert({ connection_id: connectionId, created_at: now, ...row })
      .onConflict('connection_id')
      .merge(row)
    this.invalidate()
  }

  async updateProfile(
    connectionId: number,
    profile: { displayPhoneNumber: string | null; verifiedName: string | null }
  ) {
    await db.from('meta_cloud_numbers').where('connection_id', connectionId).update({
      display_phone_number: profile.displayPhoneNumber,
      verified_name: profile.verifiedName,
      updated_at: new Date(),
    })
    this.invalidate()
  }

  /** Is this phone number id taken by another connection? */
  async takenBy(phoneNumberId: string): Promise<number | null> {
    const row = await db
      .from('meta_cloud_numbers')
      .where('phone_number_id', phoneNumberId)
      .select('connection_id')
      .first()
    return row ? Number(row.connection_id) : null
  }

  invalidate() {
    this.#loadedAt = 0
  }

  async #fresh() {
    if (Date.now() - this.#loadedAt > CACHE_MS) await this.reload()
  }

  reload() {
    this.#loading ??= this.#load().finally(() => (this.#loading = null))
    return this.#loading
  }

  async #load() {
    const rows = await db.from('meta_cloud_numbers').select('*')
    const next = new Map<string, MetaNumber>()
    for (const row of rows) {
      const accessToken = encryption.decrypt<string>(row.access_token_encrypted, TOKEN)
      const appSecret = encryption.decrypt<string>(row.app_secret_encrypted, SECRET)
      // A row written under another APP_KEY cannot be used; the settings page asks to re-enter it.
      if (accessToken === null || appSecret === null) continue
      next.set(row.phone_number_id, {
        connectionId: Number(row.connection_id),
        phoneNumberId: row.phone_number_id,
        wabaId: row.waba_id,
        accessToken,
        appSecret,
        verifyToken: row.verify_token,
        displayPhoneNumber: row.display_phone_number,
        verifiedName: row.verified_name,
        markRead: Boolean(row.mark_read),
      })
    }
    this.#byPhone = next
    this.#loadedAt = Date.now()
  }
}

export default new MetaNumbers()
