/*
| Transmit (SSE) routes and channel authorization. A browser may subscribe to
| a channel only if the logged-in user may see what it streams; a channel
| without a rule here is open to any logged-in user, so every channel the
| broadcaster uses (app/services/live_channels.ts) needs one.
|
| Pattern for a new channel (e.g. conversations/:id, connections/:id):
|   transmit.authorize<{ id: string }>('conversations/:id', (ctx, { id }) =>
|     conversationAccess.mayView(ctx.auth.user, Number(id)))
| The rule must answer the same question the conversation's page answers,
| and get an outsider test in tests/functional/transmit_channels.spec.ts.
*/
import transmit from '@adonisjs/transmit/services/main'
import type { HttpContext } from '@adonisjs/core/http'
import { middleware } from '#start/kernel'
import conversationAccess from '#services/conversation_access'
import {
  mayListenToConnection,
  mayListenToDashboard,
  mayListenToSupervisors,
  mayListenToSystemEvents,
  mayListenToUser,
} from '#services/live_channels'

transmit.registerRoutes((route) => {
  route.middleware(middleware.auth())
})

transmit.authorize<{ id: string }>('users/:id', (ctx: HttpContext, { id }) => {
  return mayListenToUser(ctx.auth.user, id)
})

transmit.authorize('supervisors', (ctx: HttpContext) => mayListenToSupervisors(ctx.auth.user))

// Team figures of the dashboard: the same permission as its team scope.
transmit.authorize('dashboard', (ctx: HttpContext) => mayListenToDashboard(ctx.auth.user))

transmit.authorize('system_events', (ctx: HttpContext) => mayListenToSystemEvents(ctx.auth.user))

// The open conversation: whoever may see the chat (its agent, or chats.view_all), as its page.
transmit.authorize<{ id: string }>('conversations/:id', (ctx: HttpContext, { id }) =>
  /^\d+$/.test(id) ? conversationAccess.mayView(ctx.auth.user, Number(id)) : false
)

// A connection's live state (QR codes included): who manages or operates connections.
transmit.authorize<{ id: string }>('connections/:id', (ctx: HttpContext, { id }) =>
  mayListenToConnection(ctx.auth.user, id)
)
