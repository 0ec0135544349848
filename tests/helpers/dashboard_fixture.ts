import db from '@adonisjs/lucid/services/db'
import { createOrganization, createUser } from '#tests/helpers/fixtures'

/*
| A small operation with hand-picked times, so the dashboard's figures can be
| asserted exactly (docs/DASHBOARD.md "Figures"). The organization is in
| America/Guayaquil (UTC−5): K4 opens at 04:30 UTC on March 3rd, which is
| still March 2nd there.
|
|   K1 Ventas/c1  in_progress  Ana   opened 03-02 14:00Z  first reply +600 s   pending 2
|   K2 Ventas/c2  resolved     Ana   opened 03-02 15:00Z  first reply +1200 s  resolved +86400 s
|   K3 Soporte/c3 new          —     opened now                                pending 1
|   K4 Soporte/c1 pending      Beto  opened 03-03 04:30Z  first reply +3000 s  pending 3
*/
export const RANGE = { from: '2026-03-02', to: '2026-03-03' }

const at = (iso: string) => new Date(iso)

export async function dashboardFixture() {
  await createOrganization({ timezone: 'America/Guayaquil' })
  const admin = await createUser('admin', { fullName: 'Admin Uno' })
  const supervisor = await createUser('supervisor', { fullName: 'Sara Supervisora' })
  const ana = await createUser('agent', { fullName: 'Ana Agente' })
  const beto = await createUser('agent', { fullName: 'Beto Agente' })
  const now = new Date()
  const stamps = { created_at: now, updated_at: now }

  const [ventas] = await db
    .table('connections')
    .insert({ plugin_key: 'test_channel', name: 'Ventas', status: 'connected', ...stamps })
    .returning('id')
  const [soporte] = await db
    .table('connections')
    .insert({
      plugin_key: 'test_channel',
      name: 'Soporte',
      status: 'disconnected',
      last_disconnected_at: at('2026-03-02T15:00:00Z'),
      status_changed_at: at('2026-03-02T15:00:00Z'),
      ...stamps,
    })
    .returning('id')
  const L1 = Number(ventas.id)
  const L2 = Number(soporte.id)

  const contact = async (name: string, createdAt: Date) => {
    const [row] = await db
      .table('contacts')
      .insert({ display_name: name, created_at: createdAt, updated_at: createdAt })
      .returning('id')
    return Number(row.id)
  }
  const c1 = await contact('Carla Uno', at('2026-01-01T12:00:00Z'))
  const c2 = await contact('Carlos Dos', at('2026-01-01T12:00:00Z'))
  const c3 = await contact('Cata Tres', now)
  await contact('Sin Chat', now) // address book only: new today, never a unique contact

  const conversation = async (fields: Record<string, unknown>) => {
    const [row] = await db
      .table('conversations')
      .insert({
        last_message_at: fields.opened_at,
        created_at: fields.opened_at,
        updated_at: now,
        ...fields,
      })
      .returning('id')
    return Number(row.id)
  }
  const K1 = await conversation({
    connection_id: L1,
    contact_id: c1,
    state: 'in_progress',
    assigned_user_id: ana.id,
    opened_at: at('2026-03-02T14:00:00Z'),
    first_response_at: at('2026-03-02T14:10:00Z'),
    last_message_at: now,
    pending_count: 2,
  })
  const K2 = await conversation({
    connection_id: L1,
    contact_id: c2,
    state: 'resolved',
    assigned_user_id: ana.id,
    opened_at: at('2026-03-02T15:00:00Z'),
    first_response_at: at('2026-03-02T15:20:00Z'),
    resolved_at: at('2026-03-03T15:00:00Z'),
    last_message_at: at('2026-03-03T15:00:00Z'),
  })
  const K3 = await conversation({
    connection_id: L2,
    contact_id: c3,
    state: 'new',
    opened_at: now,
    pending_count: 1,
  })
  const K4 = await conversation({
    connection_id: L2,
    contact_id: c1,
    state: 'pending',
    assigned_user_id: beto.id,
    opened_at: at('2026-03-03T04:30:00Z'),
    first_response_at: at('2026-03-03T05:20:00Z'),
    last_message_at: at('2026-03-03T05:20:00Z'),
    pending_count: 3,
  })

  const message = (
    conversationId: number,
    connectionId: number,
    direction: 'in' | 'out',
    createdAt: Date,
    extra: Record<string, unknown> = {}
  ) => ({
    conversation_id: conversationId,
    connection_id: connectionId,
    direction,
    kind: 'text',
    body: 'x',
    created_at: createdAt,
    ...extra,
  })
  await db.table('messages').multiInsert([
    message(K1, L1, 'in', at('2026-03-02T14:00:00Z')),
    message(K1, L1, 'out', at('2026-03-02T14:10:00Z'), { author_user_id: ana.id, status: 'read' }),
    message(K1, L1, 'in', at('2026-03-02T14:30:00Z')),
    // A private note is not a message to the customer: never counted.
    message(K1, L1, 'out', at('2026-03-02T14:35:00Z'), { author_user_id: ana.id, kind: 'note' }),
    message(K2, L1, 'in', at('2026-03-02T15:00:00Z')),
    message(K2, L1, 'out', at('2026-03-02T15:20:00Z'), { author_user_id: ana.id, status: 'read' }),
    message(K2, L1, 'out', at('2026-03-03T15:00:00Z'), { author_user_id: ana.id, status: 'read' }),
    message(K4, L2, 'in', at('2026-03-03T04:30:00Z')),
    message(K4, L2, 'out', at('2026-03-03T05:20:00Z'), { author_user_id: beto.id, status: 'read' }),
    message(K3, L2, 'in', now),
    message(K1, L1, 'out', now, { author_user_id: ana.id, status: 'queued' }),
  ])

  return { admin, supervisor, ana, beto, L1, L2, K1, K2, K3, K4 }
}
