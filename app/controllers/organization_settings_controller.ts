import type { HttpContext } from '@adonisjs/core/http'
import Organization from '#models/organization'
import organizationSettings from '#services/organization_settings'
import { organizationSettingsValidator } from '#validators/organization_validator'

/** Settings → Organization: name, default phone country, language and time zone. */
export default class OrganizationSettingsController {
  async edit({ view, i18n }: HttpContext) {
    return view.render('pages/settings/organization', {
      organization: await Organization.current(),
      countries: organizationSettings.countryOptions(i18n.locale),
      timezones: organizationSettings.timezoneOptions(),
    })
  }

  async update({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(organizationSettingsValidator)
    await organizationSettings.update({ user: auth.user!, ip: request.ip() }, data)
    session.flash('success', i18n.t('settings.organization.saved'))
    return response.redirect('/settings/organization')
  }
}
