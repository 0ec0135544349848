import type { HttpContext } from '@adonisjs/core/http'
import presence from '#services/routing/agent_presence'
import routingSettings from '#services/routing/routing_settings'
import { agentLimitsValidator, presenceSettingsValidator } from '#validators/routing_validator'

/**
 * Routing overview (rules.manage): each connection's rule and queue, agents'
 * availability, load and own limits; the idle limit (settings.manage too).
 */
export default class RoutingController {
  async index({ view, auth }: HttpContext) {
    return view.render('pages/routing/index', {
      connections: await routingSettings.overview(),
      agents: await routingSettings.agents(),
      idleMinutes: await presence.idleMinutes(),
      canEditIdle: await auth.user!.can('settings.manage'),
    })
  }

  async updateLimits({ request, response, auth, session, i18n }: HttpContext) {
    const { agents } = await request.validateUsing(agentLimitsValidator)
    await routingSettings.setAgentLimits({ id: auth.user!.id, ip: request.ip() }, agents)
    session.flash('success', i18n.t('common.saved'))
    return response.redirect('/routing')
  }

  async updateIdle({ request, response, auth, session, i18n }: HttpContext) {
    const { idleMinutes } = await request.validateUsing(presenceSettingsValidator)
    await routingSettings.setIdleMinutes({ id: auth.user!.id, ip: request.ip() }, idleMinutes)
    session.flash('success', i18n.t('common.saved'))
    return response.redirect('/routing')
  }
}
