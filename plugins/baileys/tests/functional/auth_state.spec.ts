import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { BufferJSON, initAuthCreds, proto, type SignalDataSet } from '@whiskeysockets/baileys'
import { dbSignalKeyStore, loadCreds, useDbAuthState } from '#plugins/baileys/auth_state'
import { baileysContext } from '#plugins/baileys/plugin_context'
import { stopBaileys } from '#plugins/baileys/testing/double_runtime'
import { createOrganization, resetDatabase } from '#tests/helpers/fixtures'

/*
| Auth state in PostgreSQL (CONTRACTS.md B.2): creds and every signal key
| type survive a round trip with their Buffers, a null deletes, a set is
| atomic, and a "restart" (a new state object) resumes the same pairing.
*/

async function connectionId() {
  await createOrganization()
  return (await baileysContext().ports.channels.createConnection({ name: 'Auth' })).id
}

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill)

/** One value of every SignalDataTypeMap type (v7 included). */
function everyKeyType(): SignalDataSet {
  return {
    'pre-key': { '1': { private: bytes(32, 1), public: bytes(32, 2) } },
    'session': { '5511987654321.0': new Uint8Array(bytes(64, 3)) },
    'sender-key': { 'group@g.us::5511987654321::0': new Uint8Array(bytes(48, 4)) },
    'sender-key-memory': { 'group@g.us': { '5511987654321:0@s.whatsapp.net': true } },
    'app-state-sync-key': {
      AAAAAAGp: proto.Message.AppStateSyncKeyData.fromObject({
        keyData: bytes(32, 5),
        timestamp: 1760000000,
      }),
    },
    'app-state-sync-version': {
      regular: {
        version: 7,
        hash: bytes(128, 6),
        indexValueMap: { abc: { valueMac: bytes(32, 7) } },
      },
    },
    'lid-mapping': {
      '5511987654321': '123456789012345',
      '123456789012345_reverse': '5511987654321',
    },
    'device-list': { '5511987654321': ['0', '3'] },
    'tctoken': { '5511987654321@s.whatsapp.net': { token: bytes(16, 8), timestamp: '1760000000' } },
    'identity-key': { '123456789012345.0': new Uint8Array(bytes(33, 9)) },
  }
}

test.group('Baileys / auth state in PostgreSQL', (group) => {
  group.each.setup(() => resetDatabase())
  group.each.teardown(() => stopBaileys())

  test('every signal key type round-trips with its bytes', async ({ assert }) => {
    const id = await connectionId()
    const store = dbSignalKeyStore(db, id)
    const data = everyKeyType()
    await store.set(data)

    for (const [type, entries] of Object.entries(data)) {
      const ids = Object.keys(entries!)
      const read = await store.get(type as keyof typeof data & string as never, ids)
      for (const key of ids) {
        assert.deepEqual(
          JSON.stringify(read[key], BufferJSON.replacer),
          JSON.stringify((entries as Record<string, unknown>)[key], BufferJSON.replacer),
          `${type}/${key}`
        )
      }
    }
    const preKey = (await store.get('pre-key', ['1']))['1']
    assert.isTrue(Buffer.isBuffer(preKey.public))
    const tc = (await store.get('tctoken', ['5511987654321@s.whatsapp.net']))[
      '5511987654321@s.whatsapp.net'
    ]
    assert.isTrue(Buffer.isBuffer(tc.token))
    // app-state-sync-key comes back as the protobuf class, as useMultiFileAuthState gives it.
    const syncKey = (await store.get('app-state-sync-key', ['AAAAAAGp']))['AAAAAAGp']
    assert.instanceOf(syncKey, proto.Message.AppStateSyncKeyData)
    assert.deepEqual(Buffer.from(syncKey.keyData!), bytes(32, 5))
  })

  test('null deletes, missing ids are omitted, clear empties', async ({ assert }) => {
    const id = await connectionId()
    const store = dbSignalKeyStore(db, id)
    await store.set({
      'pre-key': {
        '1': { private: bytes(32, 1), public: bytes(32, 2) },
        '2': { private: bytes(32, 3), public: bytes(32, 4) },
      },
    })
    await store.set({ 'pre-key': { '1': null } })
    const read = await store.get('pre-key', ['1', '2', '3'])
    assert.deepEqual(Object.keys(read), ['2'])
    await store.clear!()
    assert.deepEqual(await store.get('pre-key', ['2']), {})
  })

  test('a set is one transaction: a failing write leaves nothing behind', async ({ assert }) => {
    const id = await connectionId()
    const store = dbSignalKeyStore(db, id)
    await store.set({ session: { a: new Uint8Array([1]) } })
    // A key id longer than the column fails the insert after the delete of "a" ran in the same set.
    await assert.rejects(() =>
      store.set({ session: { a: null, ['x'.repeat(300)]: new Uint8Array([2]) } } as SignalDataSet)
    )
    assert.deepEqual(Object.keys(await store.get('session', ['a'])), ['a'])
  })

  test('creds survive a restart: a new state resumes the same identity', async ({ assert }) => {
    const id = await connectionId()
    const first = await useDbAuthState(db, id)
    first.state.creds.me = { id: '593990000001:4@s.whatsapp.net', name: 'Cooperativa' }
    first.state.creds.registered = true
    await first.saveCreds()

    const again = await useDbAuthState(db, id)
    assert.isTrue(again.state.creds.registered)
    assert.equal(again.state.creds.me?.id, '593990000001:4@s.whatsapp.net')
    assert.isTrue(Buffer.isBuffer(again.state.creds.noiseKey.private))
    assert.deepEqual(again.state.creds.noiseKey.private, first.state.creds.noiseKey.private)
    assert.equal(again.state.creds.registrationId, first.state.creds.registrationId)

    await again.wipe()
    assert.isNull(await loadCreds(db, id))
    const fresh = await useDbAuthState(db, id)
    assert.isFalse(fresh.state.creds.registered)
    assert.notDeepEqual(fresh.state.creds.noiseKey.private, first.state.creds.noiseKey.private)
    assert.exists(initAuthCreds)
  })
})
