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
  const tallies = await ctx.db
    .from('contact_sync_tallies')
    .join('connections', 'connections.id', 'contact_sync_tallies.connection_id')
    .select('contact_sync_tallies.*', 'connections.name as connection_name')
    .select(
      ctx.db.raw(
        '(SELECT count(*) FROM contact_sync_history_chats c WHERE c.connection_id = contact_sync_tallies.connection_id) AS history_chats'
      )
    )
    .orderBy('connections.name')
  const entries = await ctx.db
    .from('contact_sync_entries')
    .join('connections', 'connections.id', 'contact_sync_entries.connection_id')
    .select('contact_sync_entries.*', 'connections.name as connection_name')
    .orderBy('contact_sync_entries.id', 'desc')
    .limit(50)
  const pushes = await ctx.db
    .from('contact_sync_pushes')
    .select('state')
    .count('* as total')
    .groupBy('state')
  const failed = await ctx.db
    .from('contact_sync_pushes')
    .join('contacts', 'contacts.id', 'contact_sync_pushes.contact_id')
    .where('contact_sync_pushes.state', 'failed')
    .select(
      'contact_sync_pushes.*',
      ctx.db.raw('coalesce(contacts.display_name, contacts.phone_e164) as contact_name')
    )
    .orderBy('contact_sync_pushes.id', 'desc')
    .limit(50)

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

/** POST /contact-sync/pushes/:id/retry */
export async function retryPush({ params, response, session, i18n }: HttpContext, crm: CrmPush) {
  const id = Number(params.id)
  const retried = Number.isSafeInteger(id) && id > 0 && (await crm.retry(id))
  if (retried) session.flash('success', i18n.t('contact_sync.crm.retried'))
  else session.flash('error', i18n.t('contact_sync.crm.not_retryable'))
  return response.redirect('/contact-sync')
}
