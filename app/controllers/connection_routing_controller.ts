import type { HttpContext } from '@adonisjs/core/http'
import Connection from '#models/connection'
import conversationAssigner from '#services/conversation_assigner'
import routingSettings from '#services/routing/routing_settings'
import { ruleFor, unownedAgentsOf } from '#services/routing/routing_rules'
import { routingRuleValidator } from '#validators/routing_validator'

/** One connection's routing rules (rules.manage). */
export default class ConnectionRoutingController {
  async edit({ params, view }: HttpContext) {
    const connection = await Connection.findOrFail(params.id)
    return view.render('pages/routing/edit', {
      connection,
      rule: await ruleFor(connection.id),
      unownedAgentIds: await unownedAgentsOf(connection.id),
      delegations: await routingSettings.delegations(connection.id),
      agents: await conversationAssigner.assignableUsers(),
    })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const connection = await Connection.findOrFail(params.id)
    const data = await request.validateUsing(routingRuleValidator)
    await routingSettings.updateRule({ id: auth.user!.id, ip: request.ip() }, connection.id, data)
    session.flash('success', i18n.t('common.saved'))
    return response.redirect(`/routing/connections/${connection.id}`)
  }
}
