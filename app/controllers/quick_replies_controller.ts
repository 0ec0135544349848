import type { HttpContext } from '@adonisjs/core/http'
import QuickReply from '#models/quick_reply'
import { renderPage } from '#services/page_renderer'
import quickReplyManagement from '#services/quick_reply_management'
import { QUICK_REPLY_VARIABLES } from '#services/quick_reply_renderer'
import { quickReplyValidator } from '#validators/quick_reply_validator'

/** The quick replies page: list with search, create and edit. */
export default class QuickRepliesController {
  async index(ctx: HttpContext) {
    const filters = quickReplyManagement.filtersFrom(ctx.request.qs())
    const replies = await quickReplyManagement.list(filters)
    return renderPage(
      ctx,
      { page: 'pages/quick_replies/index', partial: 'partials/quick_replies/table' },
      { replies, filters }
    )
  }

  async create({ view }: HttpContext) {
    return view.render('pages/quick_replies/create', { variables: QUICK_REPLY_VARIABLES })
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(quickReplyValidator)
    const reply = await quickReplyManagement.create({ user: auth.user!, ip: request.ip() }, data)
    session.flash('success', i18n.t('quick_replies.created', { shortcut: reply.shortcut }))
    return response.redirect('/quick-replies')
  }

  async edit({ params, view }: HttpContext) {
    const reply = await QuickReply.findOrFail(params.id)
    return view.render('pages/quick_replies/edit', { reply, variables: QUICK_REPLY_VARIABLES })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(quickReplyValidator)
    const reply = await quickReplyManagement.update(
      { user: auth.user!, ip: request.ip() },
      Number(params.id),
      data
    )
    session.flash('success', i18n.t('quick_replies.updated', { shortcut: reply.shortcut }))
    return response.redirect('/quick-replies')
  }
}
