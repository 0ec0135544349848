import router from '@adonisjs/core/services/router'

/**
 * The committed router as the permission audit sees it: one entry per
 * route × method (HEAD answers as GET), with the named middleware that guard
 * it — group middleware included, in the order they run.
 */
export interface AuditedRoute {
  method: string
  pattern: string
  name: string
  middleware: { name: string; args: unknown }[]
  params: string[]
  /** Param matchers declared with `.where()` (regex form). */
  matchers: Record<string, RegExp | undefined>
  label: string
}

export function registeredRoutes(): AuditedRoute[] {
  return Object.values(router.toJSON())
    .flat()
    .flatMap((route) => {
      const middleware = [...route.middleware.all()].map((entry) =>
        typeof entry === 'function'
          ? { name: `closure:${entry.name || 'anonymous'}`, args: undefined }
          : { name: entry.name ?? 'unnamed', args: entry.args }
      )
      const params = [...route.pattern.matchAll(/:(\w+)\??/g)].map((match) => match[1])
      const matchers = Object.fromEntries(
        Object.entries(route.matchers ?? {}).map(([param, matcher]) => [param, matcher.match])
      )
      return route.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => ({
          method,
          pattern: route.pattern,
          name: route.name ?? '(unnamed)',
          middleware,
          params,
          matchers,
          label: `${method} ${route.pattern} [${route.name ?? 'unnamed'}]`,
        }))
    })
}

/** Every `can([...])` on the route: the user needs one permission of each list. */
export function permissionLists(route: AuditedRoute): string[][] {
  return route.middleware
    .filter((entry) => entry.name === 'can')
    .map((entry) => (Array.isArray(entry.args) ? (entry.args as string[]) : []))
}

export function hasMiddleware(route: AuditedRoute, name: string) {
  return route.middleware.some((entry) => entry.name === name)
}

/** Whether the route's permission middleware let a holder of `held` through. */
export function permitsHolder(route: AuditedRoute, held: Set<string>) {
  return permissionLists(route).every((list) => list.some((permission) => held.has(permission)))
}

/**
 * The URL for `route` with each `:param` from `valueOf`; throws when the
 * router would not send that URL to this very route (a param matcher
 * refused the value), so a 404 from the router never passes for a denial.
 */
export function urlFor(route: AuditedRoute, valueOf: (param: string) => string) {
  const url = route.pattern
    .replace(/:(\w+)\??/g, (_whole, param: string) =>
      encodeURIComponent(acceptedValue(route.matchers[param], valueOf(param)))
    )
    .replace(/\*$/, 'x')
  const matched = router.match(url, route.method, true)
  if (matched?.route.pattern !== route.pattern) {
    throw new Error(
      `${route.label}: ${url} does not reach this route (matched ${matched?.route.pattern ?? 'nothing'}); ` +
        'give its params a value the route accepts in tests/functional/route_permissions.spec.ts'
    )
  }
  return url
}

/**
 * `value` if the param's matcher takes it, else the first literal of an
 * alternation matcher (`/^(a|b)$/` → `a`), so a new enum-like param needs no
 * entry in the test.
 */
function acceptedValue(matcher: RegExp | undefined, value: string) {
  // Rebuilt without flags: a /g matcher's test() would carry lastIndex between calls.
  const accepts = (candidate: string) => !matcher || new RegExp(matcher.source).test(candidate)
  if (accepts(value)) return value
  const literals = matcher!.source
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/^\((\?:)?/, '')
    .replace(/\)$/, '')
    .split('|')
  return literals.find((literal) => /^[\w.-]+$/.test(literal) && accepts(literal)) ?? value
}
