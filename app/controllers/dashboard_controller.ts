import type { HttpContext } from '@adonisjs/core/http'
import { dashboardScopeFor } from '#services/dashboard_scope'
import { requestOrganization } from '#services/request_organization'
import dashboardView, { type DashboardFragment } from '#services/dashboard_view'

const FRAGMENTS: DashboardFragment[] = ['connections', 'workload', 'agents', 'metrics']

/**
 * The dashboard (R-DB-1..3): the page, and each of its fragments for the
 * live refetches and the date-range form. The viewer's scope (team or own
 * numbers) is decided once, from their permissions, and every query uses it.
 */
export default class DashboardController {
  async show(ctx: HttpContext) {
    const scope = await dashboardScopeFor(ctx.auth.user!, requestOrganization(ctx))
    if (!scope) return ctx.response.forbidden('')
    const data = await dashboardView.page(scope, { i18n: ctx.i18n, qs: ctx.request.qs() })
    return ctx.view.render('pages/dashboard/show', { ...data, scope })
  }

  async fragment(ctx: HttpContext) {
    const name = ctx.params.fragment as DashboardFragment
    if (!FRAGMENTS.includes(name)) return ctx.response.notFound('')
    // A fragment's address opened directly shows the page.
    if (ctx.request.header('hx-request') !== 'true') {
      const query = new URLSearchParams(ctx.request.qs()).toString()
      return ctx.response.redirect(query ? `/dashboard?${query}` : '/dashboard')
    }
    const scope = await dashboardScopeFor(ctx.auth.user!, requestOrganization(ctx))
    if (!scope) return ctx.response.forbidden('')
    const data = await dashboardView.fragment(name, scope, {
      i18n: ctx.i18n,
      qs: ctx.request.qs(),
    })
    if (name === 'metrics' && 'range' in data && data.range) {
      // The address bar follows the range, so a reload or a shared link shows the same days.
      ctx.response.header(
        'HX-Replace-Url',
        `/dashboard?from=${data.range.from}&to=${data.range.to}`
      )
    }
    ctx.response.header('Vary', 'HX-Request')
    return ctx.view.render(`partials/dashboard/${name}`, { ...data, scope })
  }
}
