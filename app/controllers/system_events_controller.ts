import type { HttpContext } from '@adonisjs/core/http'
import systemEventSearch from '#services/system_event_search'
import { renderPage } from '#services/page_renderer'
import { systemEventFiltersValidator } from '#validators/log_filters_validator'
import { filterQuery, organizationTimezone, readFilters } from '#services/log_filters'

/** The critical-events log (R-OPS-1): filters, keyset pages, live refetch on new events. */
export default class SystemEventsController {
  async index(ctx: HttpContext) {
    const { filters, errors, input } = await readFilters(
      systemEventFiltersValidator,
      ctx.request.qs(),
      ctx.i18n
    )
    const timezone = await organizationTimezone()
    // The address bar follows the filters (without empty ones), so a reload or a shared link shows the same list.
    const current = filterQuery(input)
    ctx.response.header('HX-Replace-Url', current ? `/system-events?${current}` : '/system-events')
    const page = filters
      ? await systemEventSearch.page(filters, { timezone })
      : { items: [], nextBefore: null }
    return renderPage(
      ctx,
      { page: 'pages/system_events/index', partial: 'partials/system_events/results' },
      {
        events: page.items,
        errors,
        input,
        timezone,
        isFirstPage: !filters?.before,
        query: filterQuery(input, { before: null }),
        olderQuery: page.nextBefore ? filterQuery(input, { before: page.nextBefore }) : null,
        // Only the full page shows the filter form, so only it loads the choices.
        loadFacets: () => systemEventSearch.facets(),
      }
    )
  }
}
