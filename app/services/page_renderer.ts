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
  // Back/forward after hx-push-url with a cold history cache: htmx wants the whole page.
  const isHistoryRestore = ctx.request.header('hx-history-restore-request') === 'true'
  const template = isHtmx && !isBoosted && !isHistoryRestore ? templates.partial : templates.page
  // The same URL answers with a page or a fragment: caches must keep them apart.
  ctx.response.header('Vary', 'HX-Request')
  return ctx.view.render(template, state)
}
