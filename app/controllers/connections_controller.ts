import type { HttpContext } from '@adonisjs/core/http'
import { renderPage } from '#services/page_renderer'
import connectionDirectory from '#services/connection_directory'

/** The Connections page: every connection of every channel plugin with its live state. */
export default class ConnectionsController {
  async index(ctx: HttpContext) {
    const connections = await connectionDirectory.list(ctx.i18n.locale)
    return renderPage(
      ctx,
      { page: 'pages/connections/index', partial: 'partials/connections/table' },
      { connections }
    )
  }
}
