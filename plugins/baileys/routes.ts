import type { BaileysContext } from './plugin_context.js'
import {
  connect,
  createConnection,
  list,
  logout,
  reconnect,
  requestPairingCode,
  setGroups,
  show,
  state,
} from './connection_handlers.js'

/** /baileys/… — every page and action needs baileys.manage. */
export function registerBaileysRoutes(ctx: BaileysContext) {
  ctx.routes((router, middleware) => {
    router
      .group(() => {
        router.get('/', list).as('index')
        router.post('/connections', createConnection).as('connections.create')
        router.get('/connections/:id', show).as('connections.show')
        router.get('/connections/:id/state', state).as('connections.state')
        router.post('/connections/:id/connect', connect).as('connections.connect')
        router.post('/connections/:id/reconnect', reconnect).as('connections.reconnect')
        router.post('/connections/:id/logout', logout).as('connections.logout')
        router.post('/connections/:id/pairing-code', requestPairingCode).as('connections.pairing')
        router.post('/connections/:id/groups', setGroups).as('connections.groups')
      })
      .where('id', router.matchers.number())
      .use([middleware.auth(), middleware.can(['baileys.manage'])])
  })
}
