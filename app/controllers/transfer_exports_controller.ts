import { Readable } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import transferHistory from '#services/transfer_history'
import { organizationTimezone, readFilters } from '#services/log_filters'
import { transferFiltersValidator } from '#validators/transfer_validator'
import { transferCsv } from '#services/transfer_csv'

/** The history as CSV: the page's filters and scope, streamed in keyset batches. */
export default class TransferExportsController {
  async show(ctx: HttpContext) {
    const user = ctx.auth.user!
    const { filters, errors } = await readFilters(
      transferFiltersValidator,
      ctx.request.qs(),
      ctx.i18n
    )
    if (!filters) {
      ctx.session.flash('error', errors.join(' '))
      return ctx.response.redirect().back()
    }
    const timezone = await organizationTimezone()
    const rows = transferHistory.all(
      { id: user.id, permissions: await user.permissions() },
      filters,
      timezone
    )
    ctx.response.header('Content-Type', 'text/csv; charset=utf-8')
    ctx.response.header('Content-Disposition', 'attachment; filename="transferencias.csv"')
    ctx.response.header('Cache-Control', 'no-store')
    ctx.response.stream(Readable.from(transferCsv(rows, ctx.i18n, timezone)))
  }
}
