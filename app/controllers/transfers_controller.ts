import type { HttpContext } from '@adonisjs/core/http'
import { Exception } from '@adonisjs/core/exceptions'
import { renderPage } from '#services/page_renderer'
import transferHistory from '#services/transfer_history'
import { filterQuery, organizationTimezone, readFilters } from '#services/log_filters'
import { transferFiltersValidator } from '#validators/transfer_validator'

/** The transfer history (R-TR-4) and its pending list: `?state=pending`. */
export default class TransfersController {
  async index(ctx: HttpContext) {
    const user = ctx.auth.user!
    const permissions = await user.permissions()
    const viewer = { id: user.id, permissions }
    const { filters, errors, input } = await readFilters(
      transferFiltersValidator,
      ctx.request.qs(),
      ctx.i18n
    )
    const timezone = await organizationTimezone()
    const page = filters
      ? await transferHistory.page(viewer, filters, { timezone })
      : { items: [], nextBefore: null }
    return renderPage(
      ctx,
      { page: 'pages/transfers/index', partial: 'partials/transfers/results' },
      {
        transfers: page.items,
        nextBefore: page.nextBefore,
        isFirstPage: !filters?.before,
        errors,
        input,
        query: filterQuery(input, { before: null }),
        timezone,
        canApprove: permissions.has('transfers.approve'),
        seesAll: permissions.has('chats.view_all'),
        loadAgents: () => transferHistory.agents(viewer),
      }
    )
  }

  /** One transfer (where its notifications point), for whoever took part in it or oversees chats. */
  async show(ctx: HttpContext) {
    const user = ctx.auth.user!
    const permissions = await user.permissions()
    const timezone = await organizationTimezone()
    const page = await transferHistory.page(
      { id: user.id, permissions },
      { only: Number(ctx.params.id) },
      { timezone, perPage: 1 }
    )
    const transfer = page.items[0]
    // Someone else's transfer is "not found", like a missing one.
    if (!transfer) throw new Exception('transfer not found', { status: 404 })
    return ctx.view.render('pages/transfers/show', {
      transfer,
      timezone,
      canApprove: permissions.has('transfers.approve'),
    })
  }
}
