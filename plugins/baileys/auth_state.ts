import type { Database } from '@adonisjs/lucid/database'
import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '@whiskeysockets/baileys'

export interface DbAuthState {
  state: AuthenticationState
  /** Persists the whole creds object (Baileys mutates it in place and emits only partials). */
  saveCreds(): Promise<void>
  /** Forgets the pairing: creds and every key (after a logout). */
  wipe(): Promise<void>
}

function encode(value: unknown) {
  return JSON.stringify(value, BufferJSON.replacer)
}

function decode<T>(text: string): T {
  return JSON.parse(text, BufferJSON.reviver) as T
}

/**
 * The signal key store of one connection in `baileys_auth_keys`. Each
 * `set()` is one transaction: a crash mid-write must never leave half a
 * ratchet step behind (that is what produces "Bad MAC" later).
 */
export function dbSignalKeyStore(db: Database, connectionId: number): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {}
      if (!ids.length) return out
      const rows = await db
        .from('baileys_auth_keys')
        .where('connection_id', connectionId)
        .where('type', type)
        .whereIn('key_id', ids)
        .select('key_id', 'value')
      for (const row of rows) {
        let value = decode<SignalDataTypeMap[T]>(row.value)
        if (type === 'app-state-sync-key' && value) {
          value = proto.Message.AppStateSyncKeyData.fromObject(
            value as object
          ) as unknown as SignalDataTypeMap[T]
        }
        out[row.key_id] = value
      }
      return out
    },

    async set(data: SignalDataSet) {
      const upserts: { connection_id: number; type: string; key_id: string; value: string }[] = []
      const deletes: { type: string; ids: string[] }[] = []
      for (const [type, entries] of Object.entries(data)) {
        const removed: string[] = []
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) removed.push(id)
          else upserts.push({ connection_id: connectionId, type, key_id: id, value: encode(value) })
        }
        if (removed.length) deletes.push({ type, ids: removed })
      }
      if (!upserts.length && !deletes.length) return
      await db.transaction(async (trx) => {
        for (const { type, ids } of deletes) {
          await trx
            .from('baileys_auth_keys')
            .where('connection_id', connectionId)
            .where('type', type)
            .whereIn('key_id', ids)
            .delete()
        }
        // Chunked: a first sync uploads hundreds of pre-keys at once.
        for (let i = 0; i < upserts.length; i += 500) {
          await trx
            .knexQuery()
            .table('baileys_auth_keys')
            .insert(upserts.slice(i, i + 500))
            .onConflict(['connection_id', 'type', 'key_id'])
            .merge(['value'])
        }
      })
    },

    async clear() {
      await db.from('baileys_auth_keys').where('connection_id', connectionId).delete()
    },
  }
}

/** The credentials stored for a connection, or null when it was never paired (or was logged out). */
export async function loadCreds(db: Database, connectionId: number) {
  const row = await db
    .from('baileys_auth_creds')
    .where('connection_id', connectionId)
    .select('creds')
    .first()
  return row ? decode<AuthenticationCreds>(row.creds) : null
}

/**
 * Baileys' auth state backed by PostgreSQL (CONTRACTS.md B.2): a restart or
 * another instance resumes the paired session from here without a QR.
 */
export async function useDbAuthState(db: Database, connectionId: number): Promise<DbAuthState> {
  const creds = (await loadCreds(db, connectionId)) ?? initAuthCreds()
  const keys = dbSignalKeyStore(db, connectionId)
  return {
    state: { creds, keys },
    async saveCreds() {
      await db
        .knexQuery()
        .table('baileys_auth_creds')
        .insert({ connection_id: connectionId, creds: encode(creds), updated_at: new Date() })
        .onConflict('connection_id')
        .merge(['creds', 'updated_at'])
    },
    async wipe() {
      await db.transaction(async (trx) => {
        await trx.from('baileys_auth_keys').where('connection_id', connectionId).delete()
        await trx.from('baileys_auth_creds').where('connection_id', connectionId).delete()
      })
    },
  }
}

/** PN → LID and LID → PN from the `lid-mapping` keys Baileys stores (`{pn: lid, `${lid}_reverse`: pn}`). */
export async function lookupLidMapping(db: Database, connectionId: number, user: string) {
  const rows = await db
    .from('baileys_auth_keys')
    .where('connection_id', connectionId)
    .where('type', 'lid-mapping')
    .whereIn('key_id', [user, `${user}_reverse`])
    .select('key_id', 'value')
  const forward = rows.find((row) => row.key_id === user)
  const reverse = rows.find((row) => row.key_id === `${user}_reverse`)
  return {
    lidForPn: forward ? decode<string>(forward.value) : null,
    pnForLid: reverse ? decode<string>(reverse.value) : null,
  }
}
