import type { HttpContext } from '@adonisjs/core/http'
import type { ContactSyncContext } from './context.js'
import type { CrmPush } from './crm_push.js'

/**
 * GET /contact-sync: per connection, what the address book and the history
 * import did, the latest report lines, and the CRM queue. Refreshes itself
 * while an import is running (htmx polling of the same route).
 */
export async function showReport({ view, request }: HttpContext, ctx: ContactSyncContext) {
  const connections = await ctx.ports.channels.connections().catch(() => [])
  const tallyRows = await ctx.db
    .from('contact_sync_tallies')
    .select('contact_sync_tallies.*')
    .select(
      ctx.db.raw(
        '(SELECT count(*) FROM contact_sync_history_chats c WHERE c.connection_id = contact_sync_tallies.connection_id) AS history_chats'
      )
    )
  const entryRows = await ctx.db.from('contact_sync_entries').orderBy('id', 'desc').limit(50)
  const names = await ctx.ports.conversations.connectionNames(
    [...tallyRows, ...entryRows].map((row) => Number(row.connection_id))
  )
  const tallies = withConnectionNames(tallyRows, names).sort((a, b) =>
    a.connection_name.localeCompare(b.connection_name)
  )
  const entries = withConnectionNames(entryRows, names)
  const pushes = await ctx.db
    .from('contact_sync_pushes')
    .select('state')
    .count('* as total')
    .groupBy('state')
  const failedRows = await ctx.db
    .from('contact_sync_pushes')
    .where('state', 'failed')
    .orderBy('id', 'desc')
    .limit(50)
  const failed = await Promise.all(
    failedRows.map(async (row) => {
      const contact = await ctx.ports.contacts.find(Number(row.contact_id))
      return { ...row, contact_name: contact?.name ?? contact?.phoneE164 ?? null }
    })
  )

  const settings = ctx.settings.get()
  const template = request.header('HX-Request')
    ? 'contact_sync::report_body'
    : 'contact_sync::report'
  return view.render(template, {
    connections,
    tallies: tallies.map((row) => ({ ...row, history_chats: Number(row.history_chats) })),
    entries,
    pushCounts: Object.fromEntries(pushes.map((row) => [row.state, Number(row.total)])),
    failed,
    settings: {
      createContacts: settings.createContacts,
      historyDays: settings.historyDays,
      crm: !!settings.crmUrl,
    },
    importing: tallies.some(
      (row) => row.last_history_at && Date.now() - new Date(row.last_history_at).getTime() < 60_000
    ),
  })
}

/** Connections belong to the core (and often to another plugin): their names come through a port. */
function withConnectionNames<Row extends { connection_id: number }>(
  rows: Row[],
  names: Map<number, string>
) {
  return rows.map((row) => ({
    ...row,
    connection_name: names.get(Number(row.connection_id)) ?? '',
  }))
}

/** POST /contact-sync/pushes/:id/retry */
export async function retryPush({ params, response, session, i18n }: HttpContext, crm: CrmPush) {
  const id = Number(params.id)
  const retried = Number.isSafeInteger(id) && id > 0 && (await crm.retry(id))
  if (retried) session.flash('success', i18n.t('contact_sync.crm.retried'))
  else session.flash('error', i18n.t('contact_sync.crm.not_retryable'))
  return response.redirect('/contact-sync')
}
