/*
|--------------------------------------------------------------------------
| The conversations data set (issue 3 benchmarks)
|--------------------------------------------------------------------------
| 100,000 conversations and 1,000,000 messages by default, built in SQL
| (generate_series, one INSERT … SELECT per table, ~1–2 min on 2 cores) and
| cached as a template database on the benchmark's PostgreSQL server, so a
| rerun restores it in a few seconds.
|
| Usage, inside a benchmark's `run()` (the app is booted and migrated):
|
|   import { loadConversationsDataset } from './datasets/conversations.js'
|   const data = await loadConversationsDataset()
|   data.label            // "100000 conversations / 1000000 messages / 20000 contacts" for the JSON lines
|   data.admin            // { id, email, password } — log in through /login with these
|   data.supervisor       // same shape
|   data.agents[0]        // same shape; 30 agents, each with ~2,800 assigned chats
|   data.connectionIds    // 4 connections of plugin 'bench_channel'
|   data.tagIds, data.departmentIds, data.counts
|
| `loadConversationsDataset({ conversations: 10_000 })` builds a smaller set
| (messages, contacts and clients scale with it). Everything the loader
| returns is read back from the database, so a restored copy answers the same.
|
| Where it runs (see bin/bench.ts):
| - default: the bench's own embedded PostgreSQL cluster, kept between runs in
|   `$TMPDIR/chasqui-bench-pg` (port 54391), so the template survives there;
| - `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench`:
|   a throwaway database on that server; the template lives on that server.
| Templates are named `chasqui_tpl_conv_<hash>`; the hash covers the data set
| version, its size and the migrations applied to the bench database (core and
| plugins), so a new migration rebuilds it.
| Drop stale ones with `DROP DATABASE chasqui_tpl_conv_…`; `BENCH_REBUILD=1`
| ignores (and replaces) the cached template.
|
| Restoring replaces the whole current database: the pool is closed, the
| database is dropped and re-created from the template, and Lucid reconnects
| on the next query. Call it before starting the HTTP server.
*/
import { createHash } from 'node:crypto'
import pg from 'pg'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import { resetDatabase, createOrganization } from '../../tests/helpers/fixtures.js'

/** Bump when the generated rows change shape. */
const DATASET_VERSION = 3
export const BENCH_PASSWORD = 'bench-pass-123'
export const BENCH_PLUGIN_KEY = 'bench_channel'

export interface DatasetUser {
  id: number
  email: string
  password: string
}

export interface ConversationsDataset {
  label: string
  admin: DatasetUser
  supervisor: DatasetUser
  agents: DatasetUser[]
  connectionIds: number[]
  departmentIds: number[]
  tagIds: number[]
  counts: { conversations: number; messages: number; contacts: number; clients: number }
  /** True when it came from the cached template rather than being generated now. */
  restored: boolean
  seconds: number
}

export interface DatasetOptions {
  conversations?: number
  log?: (line: string) => void
}

const FIRST_NAMES = [
  'José',
  'María',
  'Andrés',
  'Sofía',
  'Ramón',
  'Lucía',
  'Martín',
  'Inés',
  'Joaquín',
  'Camila',
  'Sebastián',
  'Valentina',
  'Nicolás',
  'Daniela',
  'Matías',
  'Ángela',
  'Tomás',
  'Mónica',
  'Julián',
  'Verónica',
  'Héctor',
  'Gabriela',
  'Raúl',
  'Paúl',
  'Jesús',
  'Belén',
  'Óscar',
  'Nathalia',
  'Iván',
  'Rocío',
  'Germán',
  'Dolores',
  'Álvaro',
  'Estefanía',
  'Fabián',
  'Génesis',
  'Jonathan',
  'Mayra',
  'Cristian',
  'Karla',
  'Edison',
  'Jéssica',
  'Wilson',
  'Maritza',
  'Efraín',
  'Noemí',
  'Rubén',
  'Zoila',
]
const SURNAMES = [
  'Pérez',
  'Núñez',
  'Peñafiel',
  'Zambrano',
  'Andrade',
  'Cevallos',
  'Guamán',
  'Quishpe',
  'Chávez',
  'Mendoza',
  'Benítez',
  'Córdova',
  'Álvarez',
  'Ordóñez',
  'Jiménez',
  'Muñoz',
  'Villacís',
  'Espín',
  'Tituaña',
  'Yépez',
  'Cárdenas',
  'Loor',
  'Vélez',
  'Macías',
  'Intriago',
  'Saltos',
  'Bermúdez',
  'Guerrero',
  'Ramírez',
  'Sánchez',
  'Carrión',
  'Ibarra',
  'León',
  'Naranjo',
  'Ortíz',
  'Paredes',
  'Rosero',
  'Salazar',
  'Tapia',
  'Unda',
  'Vásquez',
  'Ayala',
  'Bravo',
  'Calderón',
  'Durán',
  'Egas',
  'Freire',
  'Granda',
  'Herrera',
  'Lozada',
  'Montúfar',
  'Pazmiño',
  'Romo',
  'Suárez',
  'Toapanta',
]
const COMPANIES = [
  'Comercial',
  'Ferretería',
  'Distribuidora',
  'Farmacia',
  'Importadora',
  'Agrícola',
  'Panadería',
  'Transportes',
  'Inversiones',
  'Constructora',
]
const PHRASES = [
  'Buenos días, quisiera saber el saldo de mi crédito',
  'Hola, ¿a qué hora atienden el sábado?',
  'Ya realicé el depósito, le envío el comprobante',
  'Gracias por la información',
  '¿Me pueden ayudar con la clave de la banca móvil?',
  'Necesito la tabla de amortización actualizada',
  'Claro, con gusto le ayudo. ¿Me confirma su número de cédula?',
  'Su pago fue registrado correctamente',
  'No me llega el código de verificación',
  '¿Cuánto debo para ponerme al día?',
  'Perfecto, quedo atento',
  'Le comparto la ubicación de la agencia más cercana',
  'Estimado socio, su cuota vence el día 15',
  '¿Puedo pagar en cuotas?',
  'Buenas tardes, ¿sigue vigente la promoción?',
  'Ok 👍',
  'Mañana paso por la oficina de Riobamba',
  'Por favor revise el documento adjunto',
  'El cajero no me entregó el dinero',
  'Muchas gracias, muy amable 🙏',
]
const TAGS = [
  ['Cobranza', '#dc2626'],
  ['Crédito', '#2563eb'],
  ['Reclamo', '#ea580c'],
  ['Información', '#0891b2'],
  ['Pago registrado', '#16a34a'],
  ['Urgente', '#b91c1c'],
  ['Seguimiento', '#7c3aed'],
  ['Banca móvil', '#0d9488'],
  ['Ahorros', '#65a30d'],
  ['VIP', '#ca8a04'],
  ['Refinanciamiento', '#9333ea'],
  ['Sucursal Quito', '#475569'],
]
const DEPARTMENTS = ['Cobranzas', 'Atención al socio', 'Créditos']
const CONNECTIONS = ['Matriz Quito', 'Guayaquil Centro', 'Cuenca', 'Cobranzas']
const AGENTS = 30

/** An int[] literal (numbers only: knex would expand an array binding into a list). */
function intArray(values: number[]) {
  return `(ARRAY[${values.map((v) => Number(v)).join(',')}]::int[])`
}

function sqlArray(values: string[]) {
  // `\\?` keeps knex from reading a question mark inside a phrase as a binding.
  return `ARRAY[${values.map((v) => `'${v.replaceAll("'", "''").replaceAll('?', '\\?')}'`).join(',')}]::text[]`
}

/** The key of the template for this size and this schema (every migration applied, plugins' too). */
async function templateName(conversations: number) {
  const migrations = (await db.from('adonis_schema').orderBy('name').select('name')).map(
    (row) => row.name as string
  )
  const digest = createHash('sha256')
    .update(JSON.stringify([DATASET_VERSION, conversations, migrations]))
    .digest('hex')
    .slice(0, 12)
  return `chasqui_tpl_conv_${digest}`
}

/** A pg client on the maintenance database of the server the app uses, plus the app's database name. */
function adminClient() {
  const config = db.manager.get(db.primaryConnectionName)!.config.connection as any
  let settings: pg.ClientConfig
  let database: string
  if (config.connectionString) {
    const url = new URL(config.connectionString)
    database = decodeURIComponent(url.pathname.slice(1))
    url.pathname = '/postgres'
    settings = { connectionString: url.toString() }
  } else {
    database = config.database
    settings = { ...config, database: 'postgres' }
  }
  return { client: new pg.Client(settings), database }
}

async function templateExists(name: string) {
  const { client } = adminClient()
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    return !!rowCount
  } finally {
    await client.end()
  }
}

/** Replaces the app's database by a copy of `template` (or saves it as `template`). */
async function copyDatabase(direction: 'restore' | 'save', template: string) {
  await db.manager.closeAll()
  const { client, database } = adminClient()
  await client.connect()
  try {
    const current = client.escapeIdentifier(database)
    const tpl = client.escapeIdentifier(template)
    if (direction === 'restore') {
      await client.query(`DROP DATABASE IF EXISTS ${current} WITH (FORCE)`)
      await client.query(`CREATE DATABASE ${current} TEMPLATE ${tpl}`)
    } else {
      await client.query(`DROP DATABASE IF EXISTS ${tpl} WITH (FORCE)`)
      // Other sessions (a previous pool) would block CREATE … TEMPLATE.
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database]
      )
      await client.query(`CREATE DATABASE ${tpl} TEMPLATE ${current}`)
    }
  } finally {
    await client.end()
  }
}

/** Builds (or restores) the data set in the app's database. */
export async function loadConversationsDataset(
  options: DatasetOptions = {}
): Promise<ConversationsDataset> {
  const conversations = options.conversations ?? 100_000
  const log = options.log ?? ((line: string) => process.stderr.write(`  dataset: ${line}\n`))
  const template = await templateName(conversations)
  const started = performance.now()
  let restored = false
  if (!process.env.BENCH_REBUILD && (await templateExists(template))) {
    log(`restoring template ${template}`)
    await copyDatabase('restore', template)
    restored = true
  } else {
    log(`generating ${conversations} conversations (cached afterwards as ${template})`)
    await generate(conversations, log)
    await copyDatabase('save', template)
  }
  const dataset = await describe()
  dataset.restored = restored
  dataset.seconds = Math.round((performance.now() - started) / 100) / 10
  log(`${dataset.label} ready in ${dataset.seconds} s`)
  return dataset
}

async function describe(): Promise<ConversationsDataset> {
  const users = await db
    .from('users as u')
    .join('roles as r', 'r.id', 'u.role_id')
    .where('u.email', 'like', '%@bench.chasqui.test')
    .orderBy('u.id')
    .select('u.id', 'u.email', 'r.key')
  const asUser = (row: any): DatasetUser => ({
    id: Number(row.id),
    email: row.email,
    password: BENCH_PASSWORD,
  })
  const ids = async (table: string) =>
    (await db.from(table).orderBy('id').select('id')).map((r) => Number(r.id))
  const count = async (table: string) =>
    Number((await db.from(table).count('* as total').first())!.total)
  const counts = {
    conversations: await count('conversations'),
    messages: await count('messages'),
    contacts: await count('contacts'),
    clients: await count('clients'),
  }
  return {
    label: `${counts.conversations} conversations / ${counts.messages} messages / ${counts.contacts} contacts`,
    admin: asUser(users.find((u) => u.key === 'admin')),
    supervisor: asUser(users.find((u) => u.key === 'supervisor')),
    agents: users.filter((u) => u.key === 'agent').map(asUser),
    connectionIds: await ids('connections'),
    departmentIds: await ids('departments'),
    tagIds: await ids('tags'),
    counts,
    restored: false,
    seconds: 0,
  }
}

async function generate(conversations: number, log: (line: string) => void) {
  const contacts = Math.max(10, Math.round(conversations / 5))
  const clients = Math.max(1, Math.round(contacts / 4))
  await resetDatabase()
  await createOrganization()
  const password = await hash.make(BENCH_PASSWORD)
  const roles = Object.fromEntries(
    (await db.from('roles').select('id', 'key')).map((r) => [r.key, Number(r.id)])
  )
  const now = new Date()
  const user = (fullName: string, email: string, role: string) => ({
    full_name: fullName,
    email,
    password,
    role_id: roles[role],
    is_active: true,
    created_at: now,
    updated_at: now,
  })
  await db
    .table('users')
    .multiInsert([
      user('Administradora Bench', 'admin@bench.chasqui.test', 'admin'),
      user('Supervisor Bench', 'supervisor@bench.chasqui.test', 'supervisor'),
      ...Array.from({ length: AGENTS }, (_, i) =>
        user(
          `${FIRST_NAMES[i % FIRST_NAMES.length]} ${SURNAMES[(i * 7) % SURNAMES.length]}`,
          `agent${String(i + 1).padStart(2, '0')}@bench.chasqui.test`,
          'agent'
        )
      ),
    ])
  const agentIds = (
    await db.from('users').where('role_id', roles.agent).orderBy('id').select('id')
  ).map((r) => Number(r.id))

  await db
    .table('departments')
    .multiInsert(
      DEPARTMENTS.map((name) => ({ name, is_active: true, created_at: now, updated_at: now }))
    )
  const departmentIds = (await db.from('departments').orderBy('id').select('id')).map((r) =>
    Number(r.id)
  )
  await db.table('connections').multiInsert(
    CONNECTIONS.map((name, i) => ({
      plugin_key: BENCH_PLUGIN_KEY,
      name,
      phone_e164: `+59322${String(400000 + i).padStart(6, '0')}`,
      status: 'connected',
      default_department_id: departmentIds[i % departmentIds.length],
      settings: '{}',
      created_at: now,
      updated_at: now,
    }))
  )
  const connectionIds = (await db.from('connections').orderBy('id').select('id')).map((r) =>
    Number(r.id)
  )
  // Every agent works on every connection and in one department.
  await db
    .table('connection_agents')
    .multiInsert(
      connectionIds.flatMap((connection_id) =>
        agentIds.map((user_id) => ({ connection_id, user_id }))
      )
    )
  await db.table('department_members').multiInsert(
    agentIds.map((user_id, i) => ({
      department_id: departmentIds[i % departmentIds.length],
      user_id,
    }))
  )
  await db.table('tags').multiInsert(
    TAGS.map(([name, color]) => ({
      name,
      color,
      is_active: true,
      created_at: now,
      updated_at: now,
    }))
  )
  const tagIds = (await db.from('tags').orderBy('id').select('id')).map((r) => Number(r.id))
  // Two tags only supervisors and admins see (R-TG-3).
  await db.rawQuery(
    `INSERT INTO tag_roles (tag_id, role_id)
     SELECT id, ? FROM tags WHERE name IN ('VIP', 'Refinanciamiento')`,
    [roles.supervisor]
  )

  const t0 = performance.now()
  const step = (what: string) =>
    log(`${what} (${Math.round((performance.now() - t0) / 100) / 10} s)`)
  await db.rawQuery('SELECT setseed(0.42)')

  // Clients: people (the holder of a contact) and companies.
  await db.rawQuery(
    `INSERT INTO clients (holder_name, document_id, balance, days_overdue, is_active, is_validated, created_at, updated_at)
     SELECT CASE WHEN g % 10 = 0
              THEN (${sqlArray(COMPANIES)})[1 + g % ${COMPANIES.length}] || ' ' || (${sqlArray(SURNAMES)})[1 + (g / 7) % ${SURNAMES.length}] || ' S.A.'
              ELSE (${sqlArray(FIRST_NAMES)})[1 + (g * 13) % ${FIRST_NAMES.length}] || ' ' || (${sqlArray(SURNAMES)})[1 + (g * 17) % ${SURNAMES.length}] || ' ' || (${sqlArray(SURNAMES)})[1 + (g * 29) % ${SURNAMES.length}]
            END,
            lpad(((1700000000 + g * 7919) % 2499999999)::text, 10, '0'),
            round((random() * 5000)::numeric, 2), (random() * 90)::int, true, g % 20 <> 0,
            now() - interval '400 days' + g * interval '1 minute', now()
     FROM generate_series(1, ?) g`,
    [clients]
  )
  step('clients')

  // Contacts: Ecuadorian mobiles +593 9XXXXXXXX (unique), 10% without a display name, 2% with a LID too.
  await db.rawQuery(
    `INSERT INTO contacts (client_id, display_name, profile_name, phone_e164, wa_id, lid, is_active, created_at, updated_at)
     SELECT CASE WHEN g % 4 = 0 THEN 1 + (g / 4 - 1) % ? END,
            CASE WHEN g % 10 = 3 THEN NULL ELSE n.full_name END,
            CASE WHEN g % 3 = 0 THEN split_part(n.full_name, ' ', 1) ELSE n.full_name END,
            '+5939' || p.digits, '5939' || p.digits,
            CASE WHEN g % 50 = 0 THEN (200000000000000 + g)::text END,
            true, now() - interval '380 days' + g * interval '20 minutes', now()
     FROM generate_series(1, ?) g
     CROSS JOIN LATERAL (SELECT
        (${sqlArray(FIRST_NAMES)})[1 + (g * 7) % ${FIRST_NAMES.length}] || ' ' ||
        (${sqlArray(SURNAMES)})[1 + (g * 11) % ${SURNAMES.length}] || ' ' ||
        (${sqlArray(SURNAMES)})[1 + (g * 23 + g / 55) % ${SURNAMES.length}] AS full_name) n
     CROSS JOIN LATERAL (SELECT to_char(10000000 + (g::bigint * 7919) % 89990000, 'FM00000000') AS digits) p`,
    [clients, contacts]
  )
  step('contacts')

  /*
  | Conversations: conversation g belongs to contact 1 + (g-1) % contacts on
  | connection 1 + k % 4 (k = the round). Round 0 is always resolved (older
  | history); later rounds are open ~30% of the time — never two open ones
  | for the same contact and connection. `last_message_at` spreads over ~6
  | months, newer rounds later. Messages per conversation: 1..19 (mean 10).
  */
  const nConnections = connectionIds.length
  await db.rawQuery(
    `INSERT INTO conversations (connection_id, contact_id, state, assigned_user_id, department_id,
        last_message_at, last_message_preview, last_message_kind, last_message_direction, last_inbound_at,
        unread_count, pending_count, opened_at, resolved_at, first_response_at, created_at, updated_at)
     SELECT conn, contact, st,
            CASE WHEN st = 'new' THEN NULL WHEN g % 17 = 0 THEN NULL ELSE ${intArray(agentIds)}[1 + g % ${agentIds.length}] END,
            ${intArray(departmentIds)}[1 + g % ${departmentIds.length}],
            last_at,
            left((${sqlArray(PHRASES)})[1 + (g * 31 + n) % ${PHRASES.length}], 200),
            CASE WHEN n % 9 = 0 THEN 'image' ELSE 'text' END,
            CASE WHEN n % 2 = 1 THEN 'in' ELSE 'out' END,
            CASE WHEN n % 2 = 1 THEN last_at ELSE last_at - interval '3 minutes' END,
            CASE WHEN st <> 'resolved' AND n % 2 = 1 THEN 1 + g % 3 ELSE 0 END,
            CASE WHEN st <> 'resolved' AND n % 2 = 1 THEN 1 + g % 3 ELSE 0 END,
            opened, CASE WHEN st = 'resolved' THEN last_at + interval '10 minutes' END,
            CASE WHEN n > 1 THEN opened + interval '2 minutes' END,
            opened, last_at
     FROM (
       SELECT g, n, 1 + (g - 1) % ? AS contact,
              ${intArray(connectionIds)}[1 + ((g - 1) / ?) % ${nConnections}] AS conn,
              CASE WHEN (g - 1) / ? = 0 OR (g * 7919) % 100 >= 30 THEN 'resolved'
                   ELSE (ARRAY['new','pending','in_progress','in_progress'])[1 + g % 4] END AS st,
              last_at, last_at - (n * interval '7 minutes') - (g % 5) * interval '1 day' AS opened
       FROM (
         SELECT g, 10 + CASE WHEN g % 2 = 1 THEN ((g + 1) / 2) % 10 ELSE -((g / 2) % 10) END AS n,
                now() - interval '200 days'
                  + ((g - 1) / ?) * interval '36 days'
                  + (random() * 36 * 86400) * interval '1 second' AS last_at
         FROM generate_series(1, ?) g
       ) base
     ) c
     ORDER BY g`,
    [contacts, contacts, contacts, contacts, conversations]
  )
  step('conversations')

  /*
  | Messages: odd positions from the customer, even ones from the agent
  | (read/delivered ticks, authored by the assigned agent); times step evenly
  | from opened_at to last_message_at, so the last one matches the preview.
  */
  await db.rawQuery(
    `INSERT INTO messages (conversation_id, connection_id, direction, kind, body, media_path, media_mime, media_size,
        status, sent_at, delivered_at, read_at, author_user_id, external_id, historical, metadata, created_at)
     SELECT c.id, c.connection_id, dir, kind,
            (${sqlArray(PHRASES)})[1 + (c.id * 31 + j) % ${PHRASES.length}],
            CASE WHEN kind = 'image' THEN 'bench/' || c.id || '-' || j || '.jpg' END,
            CASE WHEN kind = 'image' THEN 'image/jpeg' END,
            CASE WHEN kind = 'image' THEN 120000 + j * 10 END,
            CASE WHEN dir = 'out' THEN (ARRAY['read','read','delivered','sent'])[1 + j % 4] END,
            CASE WHEN dir = 'out' THEN at END,
            CASE WHEN dir = 'out' AND j % 4 <> 3 THEN at + interval '5 seconds' END,
            CASE WHEN dir = 'out' AND j % 4 < 2 THEN at + interval '1 minute' END,
            CASE WHEN dir = 'out' THEN c.assigned_user_id END,
            'wamid.bench.' || c.id || '.' || j, false, '{}'::jsonb, at
     FROM conversations c
     CROSS JOIN LATERAL (
       SELECT 10 + CASE WHEN c.id % 2 = 1 THEN ((c.id + 1) / 2) % 10 ELSE -((c.id / 2) % 10) END AS n
     ) cnt
     CROSS JOIN LATERAL generate_series(1, cnt.n) j
     CROSS JOIN LATERAL (SELECT
        CASE WHEN j % 2 = 1 THEN 'in' ELSE 'out' END AS dir,
        CASE WHEN j % 9 = 0 THEN 'image' ELSE 'text' END AS kind,
        c.opened_at + (c.last_message_at - c.opened_at) * (j::float / cnt.n) AS at) m
     ORDER BY c.id, j`
  )
  step('messages')

  // ~30% of the chats carry one or two tags.
  await db.rawQuery(
    `INSERT INTO conversation_tags (conversation_id, tag_id, created_by, created_at)
     SELECT c.id, t.id, c.assigned_user_id, c.opened_at
     FROM conversations c
     JOIN LATERAL (SELECT unnest(CASE WHEN c.id % 7 = 0 THEN ARRAY[1 + c.id % 12, 1 + (c.id / 12) % 12]
                                       ELSE ARRAY[1 + c.id % 12] END) AS n) pick ON true
     JOIN tags t ON t.id = (${intArray(tagIds)})[pick.n]
     WHERE c.id % 10 < 3
     ON CONFLICT DO NOTHING`
  )
  step('tags')
  await db.rawQuery('VACUUM ANALYZE')
  step('vacuum analyze')
}
