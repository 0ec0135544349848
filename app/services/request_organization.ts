import type { HttpContext } from '@adonisjs/core/http'
import Organization from '#models/organization'

const perRequest = new WeakMap<HttpContext, Promise<Organization | null>>()

/**
 * The organization row, read at most once per request: the locale (when the
 * user has none), the layout's time zone and the dashboard's zone all need it.
 * Not kept across requests, so a change made anywhere (another instance, SQL)
 * shows on the next request, as before.
 */
export function requestOrganization(ctx: HttpContext): Promise<Organization | null> {
  let organization = perRequest.get(ctx)
  if (!organization) {
    organization = Organization.current()
    perRequest.set(ctx, organization)
    organization.catch(() => perRequest.delete(ctx))
  }
  return organization
}
