import { Readable } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import conversationSearch from '#services/conversation_search'
import { readInboxQuery } from '#services/inbox_filters'
import { organizationTimezone } from '#services/log_filters'
import { chatListCsv } from '#services/chat_list_csv'

/** The chat list as CSV with the inbox's filters and the viewer's scope. */
export default class ChatExportsController {
  async show(ctx: HttpContext) {
    const viewer = await conversationSearch.viewerFor(ctx.auth.user!)
    const { filters } = await readInboxQuery(ctx.request.qs(), viewer)
    const timezone = await organizationTimezone()
    ctx.response.header('Content-Type', 'text/csv; charset=utf-8')
    ctx.response.header('Content-Disposition', 'attachment; filename="chats.csv"')
    ctx.response.header('Cache-Control', 'no-store')
    ctx.response.stream(Readable.from(chatListCsv(viewer, filters, ctx.i18n, timezone)))
  }
}
