import type { HttpContext } from '@adonisjs/core/http'
import { renderPage } from '#services/page_renderer'
import inboxView from '#services/inbox_view'

/** The inbox: chat list (trays, search, filters, keyset pages) with no chat open. */
export default class InboxController {
  async index(ctx: HttpContext) {
    const list = await inboxView.list(ctx.auth.user!, ctx.request.qs())
    return renderPage(
      ctx,
      {
        page: 'pages/inbox/index',
        // "Load more" appends rows; any other list request replaces the whole list.
        partial: list.input.cursor ? 'partials/inbox/chat_rows' : 'partials/inbox/chat_list',
      },
      { ...list, open: null }
    )
  }
}
