/*
| The inbound message path in as few round trips as it can take (it runs
| for every customer message; docs/BENCHMARKS.md has the figures):
| 1. the connection check, the (connection, contact) lock and the open
|    conversation's row lock are one call of a database function;
| 2. the message insert and the conversation's counters are one statement.
| The rules are the ones of conversation_activity.ts; only the packaging
| differs.
*/
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { preparedQuery } from '#services/prepared_query'
import { activityUpdate, type ActivityInput } from '#channels/conversation_activity'
import { UnknownConnectionError } from '#channels/ingest_support'
import { NO_INBOUND_AUTOMATIC_MESSAGES_SQL } from '#services/routing/automatic_messages'

export interface LockedForMessage {
  departmentId: number | null
  /** The open conversation of (connection, contact), row-locked; null when there is none. */
  openConversationId: number | null
}

function safeId(value: number) {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`Invalid id ${value}`)
  return value
}

/**
 * Checks the reporting connection (owned by `pluginKey` when given), takes
 * the (connection, contact) lock of lockContactConversations, then locks the
 * open conversation — one call of the database function
 * chasqui_lock_for_message (its migration says why it is a function).
 */
export async function lockForMessage(
  trx: TransactionClientContract,
  connectionId: number,
  contactId: number,
  pluginKey: string | null
): Promise<LockedForMessage> {
  const result = await preparedQuery(
    trx,
    'SELECT plugin_key, default_department_id, open_conversation_id FROM chasqui_lock_for_message(?, ?)',
    [safeId(connectionId), safeId(contactId)]
  )
  const row = result.rows[0]
  if (!row || (pluginKey && row.plugin_key !== pluginKey))
    throw new UnknownConnectionError(connectionId, pluginKey)
  return {
    departmentId: row.default_department_id === null ? null : Number(row.default_department_id),
    openConversationId: row.open_conversation_id === null ? null : Number(row.open_conversation_id),
  }
}

export interface InboundMessageRow {
  conversation_id: number
  connection_id: number
  direction: 'in' | 'out'
  kind: string
  body: string | null
  media_path: string | null
  media_mime: string | null
  media_size: number | null
  media_filename: string | null
  media_sha256: string | null
  media_provider_id: string | null
  status: string | null
  sent_at: Date | null
  delivered_at: Date | null
  read_at: Date | null
  failed_at: Date | null
  external_id: string
  reply_to_external_id: string | null
  historical: boolean
  /** JSON text. */
  metadata: string
  created_at: Date
}

const MESSAGE_COLUMNS: (keyof InboundMessageRow)[] = [
  'conversation_id',
  'connection_id',
  'direction',
  'kind',
  'body',
  'media_path',
  'media_mime',
  'media_size',
  'media_filename',
  'media_sha256',
  'media_provider_id',
  'status',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
  'external_id',
  'reply_to_external_id',
  'historical',
  'metadata',
  'created_at',
]

/**
 * The statements' SQL is the same for every message (with or without a
 * quoted message): built once, so the prepared statement's name and the
 * binding rewrite are looked up, not recomputed, for every message.
 */
const sqlTexts = new Map<string, string>()
function sqlOnce(key: string, build: () => string) {
  let text = sqlTexts.get(key)
  if (text === undefined) {
    text = build()
    sqlTexts.set(key, text)
  }
  return text
}

/** The INSERT's column list and values (named bindings `:m_<column>`), shared by both inserts. */
function messageInsert(row: InboundMessageRow, activity: ActivityInput) {
  const update = activityUpdate(activity)
  const bindings: Record<string, any> = { ...update.bindings }
  for (const column of MESSAGE_COLUMNS) bindings[`m_${column}`] = row[column]
  const quotes = !!row.reply_to_external_id
  return {
    /** Which variant of a statement this message needs (sqlOnce's key). */
    variant: quotes ? 'quoting' : 'plain',
    bindings,
    /** The SQL pieces, for sqlOnce's first build of a variant. */
    parts() {
      const quoted = quotes
        ? `(SELECT id FROM messages WHERE connection_id = :m_connection_id AND external_id = :m_reply_to_external_id LIMIT 1)`
        : 'NULL'
      const values = MESSAGE_COLUMNS.map((column) =>
        column === 'metadata' ? 'CAST(:m_metadata AS jsonb)' : `:m_${column}`
      )
      return {
        columns: `${MESSAGE_COLUMNS.join(', ')}, reply_to_message_id`,
        values: `${values.join(', ')}, ${quoted}`,
        // The conversation's activity, moved only when the message was inserted.
        touched: `touched AS (
       UPDATE conversations SET ${update.set}
       WHERE id = :m_conversation_id AND EXISTS (SELECT 1 FROM inserted)
       RETURNING assigned_user_id
     )`,
      }
    },
  }
}

interface InsertedRow {
  id: string | number
  assigned_user_id: number | null
}

function insertedMessage(row: InsertedRow | undefined) {
  if (!row || row.id === null) return null
  return {
    id: Number(row.id),
    assignedUserId: row.assigned_user_id === null ? null : Number(row.assigned_user_id),
  }
}

/**
 * Inserts the message (a no-op when (connection, external id) is stored
 * already) and, only when it was inserted, moves the conversation's list
 * columns and counters — in one statement. The quoted message is looked up
 * in the same statement. Returns the new message id and the chat's agent,
 * or null for a redelivery (the caller rolls back whatever else it touched).
 */
export async function insertInboundMessage(
  trx: TransactionClientContract,
  row: InboundMessageRow,
  activity: ActivityInput
): Promise<{ id: number; assignedUserId: number | null } | null> {
  const insert = messageInsert(row, activity)
  const result = await preparedQuery<{ rows: InsertedRow[] }>(
    trx,
    sqlOnce(`insert:${insert.variant}`, () => {
      const sql = insert.parts()
      return `WITH inserted AS (
       INSERT INTO messages (${sql.columns})
       VALUES (${sql.values})
       ON CONFLICT (connection_id, external_id) DO NOTHING
       RETURNING id
     ), ${sql.touched}
     SELECT inserted.id, touched.assigned_user_id FROM inserted LEFT JOIN touched ON true`
    }),
    insert.bindings
  )
  return insertedMessage(result.rows[0])
}

export type KnownChatInsert =
  | {
      outcome: 'inserted'
      id: number
      assignedUserId: number | null
      /** False: the connection had no automatic message to send (read under the lock). */
      automaticMessages: boolean
    }
  /** Stored already (a redelivery); the chat was already open, so this statement changed nothing. */
  | { outcome: 'duplicate' }
  /** The contact's open conversation is not the one expected (resolved, or none): take the long way. */
  | { outcome: 'moved' }

/**
 * Steps 1 and 2 in one round trip, for a customer whose open conversation
 * is known (a batch looked it up beforehand): the lock function runs first
 * (a MATERIALIZED CTE the INSERT reads), and the message goes in only if
 * the locked open conversation is still the expected one. The row existed
 * before this statement began, so the UPDATE follows it to its newest
 * version once locked.
 */
export async function insertIntoKnownChat(
  trx: TransactionClientContract,
  contactId: number,
  pluginKey: string | null,
  row: InboundMessageRow,
  activity: ActivityInput
): Promise<KnownChatInsert> {
  const insert = messageInsert(row, activity)
  const result = await preparedQuery<{
    rows: (InsertedRow & {
      plugin_key: string
      open_conversation_id: number | null
      no_automatic_messages: boolean
    })[]
  }>(
    trx,
    sqlOnce(`known_chat:${insert.variant}`, () => {
      const sql = insert.parts()
      return `WITH locked AS MATERIALIZED (
       SELECT l.plugin_key, l.open_conversation_id,
              ${NO_INBOUND_AUTOMATIC_MESSAGES_SQL} AS no_automatic_messages
         FROM chasqui_lock_for_message(:l_connection, :l_contact) l
         JOIN connections k ON k.id = :l_connection
     ), inserted AS (
       INSERT INTO messages (${sql.columns})
       SELECT ${sql.values} FROM locked
       WHERE locked.open_conversation_id = :m_conversation_id
         AND (CAST(:l_plugin AS text) IS NULL OR locked.plugin_key = :l_plugin)
       ON CONFLICT (connection_id, external_id) DO NOTHING
       RETURNING id
     ), ${sql.touched}
     SELECT locked.plugin_key, locked.open_conversation_id, locked.no_automatic_messages,
            inserted.id, touched.assigned_user_id
       FROM locked LEFT JOIN inserted ON true LEFT JOIN touched ON true`
    }),
    {
      ...insert.bindings,
      l_connection: safeId(row.connection_id),
      l_contact: safeId(contactId),
      l_plugin: pluginKey,
    }
  )
  const found = result.rows[0]
  if (!found || (pluginKey && found.plugin_key !== pluginKey))
    throw new UnknownConnectionError(row.connection_id, pluginKey)
  if (Number(found.open_conversation_id) !== row.conversation_id) return { outcome: 'moved' }
  const inserted = insertedMessage(found)
  if (!inserted) return { outcome: 'duplicate' }
  return { outcome: 'inserted', ...inserted, automaticMessages: !found.no_automatic_messages }
}
