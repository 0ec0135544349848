import type { HttpContext } from '@adonisjs/core/http'
import Connection from '#models/connection'
import Department from '#models/department'
import User from '#models/user'
import connectionSettings from '#services/connection_settings'
import newContactGuard from '#channels/new_contact_guard'
import { WEEK_DAYS, connectionSettingsValidator } from '#validators/connection_validator'

/** A connection's own settings: messages, business hours, default department, agents. */
export default class ConnectionSettingsController {
  async edit({ params, view }: HttpContext) {
    const connection = await Connection.query()
      .where('id', params.id)
      .preload('agents', (query) => query.select('id'))
      .firstOrFail()
    return view.render('pages/connections/edit', {
      connection,
      agentIds: connection.agents.map((agent) => agent.id),
      departments: await Department.query().where('is_active', true).orderBy('name'),
      users: await User.query().where('is_active', true).orderBy('full_name'),
      days: WEEK_DAYS,
      hours: connection.businessHours?.days ?? {},
      newContacts: await newContactGuard.usage(connection.id),
    })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const connection = await Connection.findOrFail(params.id)
    const data = await request.validateUsing(connectionSettingsValidator)
    await connectionSettings.update({ id: auth.user!.id, ip: request.ip() }, connection.id, data)
    session.flash('success', i18n.t('common.saved'))
    return response.redirect(`/connections/${connection.id}/edit`)
  }
}
