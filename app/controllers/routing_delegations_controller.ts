import type { HttpContext } from '@adonisjs/core/http'
import Connection from '#models/connection'
import routingSettings from '#services/routing/routing_settings'
import { delegationValidator } from '#validators/routing_validator'

/** "Who also receives whose clients" rows of a connection (rules.manage). */
export default class RoutingDelegationsController {
  async store({ params, request, response, auth, session, i18n }: HttpContext) {
    const connection = await Connection.findOrFail(params.id)
    const { ownerUserId, delegateUserId } = await request.validateUsing(delegationValidator)
    await routingSettings.addDelegation(
      { id: auth.user!.id, ip: request.ip() },
      connection.id,
      ownerUserId,
      delegateUserId
    )
    session.flash('success', i18n.t('routing.delegation_added'))
    return response.redirect(`/routing/connections/${connection.id}`)
  }

  async destroy({ params, request, response, auth, session, i18n }: HttpContext) {
    await routingSettings.removeDelegation(
      { id: auth.user!.id, ip: request.ip() },
      Number(params.id),
      Number(params.delegationId)
    )
    session.flash('success', i18n.t('routing.delegation_removed'))
    return response.redirect(`/routing/connections/${params.id}`)
  }
}
