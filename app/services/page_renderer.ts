import type { HttpContext } from '@adonisjs/core/http'

/**
 * The one way to answer a page-or-fragment request: a normal request gets the
 * full page, an htmx request (HX-Request) gets only the partial that the page
 * includes, from the same data. Controllers never branch on htmx by hand.
 */
export async function renderPage(
  ctx: HttpContext,
  templates: { page: string; partial: string },
  state: Record<string, unknown> = {}
) {
  const isHtmx = ctx.request.header('hx-request') === 'true'
  const isBoosted = ctx.request.header('hx-boosted') === 'true'
  const template = isHtmx && !isBoosted ? templates.partial : templates.page
  return ctx.view.render(template, state)
}
