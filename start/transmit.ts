/*
| Transmit (SSE) routes and channel authorization. A browser may subscribe to
| a channel only if the logged-in user may see what it streams.
*/
import transmit from '@adonisjs/transmit/services/main'
import type { HttpContext } from '@adonisjs/core/http'
import { middleware } from '#start/kernel'

transmit.registerRoutes((route) => {
  route.middleware(middleware.auth())
})

transmit.authorize<{ id: string }>('users/:id', (ctx: HttpContext, { id }) => {
  return ctx.auth.user?.id === Number(id)
})
