import type { HttpContext } from '@adonisjs/core/http'
import auditSearch from '#services/audit_search'
import { renderPage } from '#services/page_renderer'
import { auditFiltersValidator } from '#validators/log_filters_validator'
import { filterQuery, organizationTimezone, readFilters } from '#services/log_filters'

/** The audit trail (R-OPS-5): who did what, when, with before/after. */
export default class AuditLogsController {
  async index(ctx: HttpContext) {
    const { filters, errors, input } = await readFilters(
      auditFiltersValidator,
      ctx.request.qs(),
      ctx.i18n
    )
    const timezone = await organizationTimezone()
    // The address bar follows the filters (without empty ones), so a reload or a shared link shows the same list.
    const current = filterQuery(input)
    ctx.response.header('HX-Replace-Url', current ? `/audit?${current}` : '/audit')
    const page = filters
      ? await auditSearch.page(filters, { timezone })
      : { items: [], nextBefore: null }
    return renderPage(
      ctx,
      { page: 'pages/audit/index', partial: 'partials/audit/results' },
      {
        entries: page.items,
        errors,
        input,
        timezone,
        isFirstPage: !filters?.before,
        query: filterQuery(input, { before: null }),
        olderQuery: page.nextBefore ? filterQuery(input, { before: page.nextBefore }) : null,
        loadFacets: () => auditSearch.facets(),
      }
    )
  }
}
