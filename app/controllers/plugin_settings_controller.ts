import { errors, type HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import pluginHost from '#plugin_host/plugin_host'
import { PluginPresenter } from '#plugin_host/plugin_presenter'
import { pluginMessagesProvider } from '#plugin_host/plugin_settings'

/**
 * A plugin's settings form, generated from its manifest. Bad input comes back
 * with translated errors and nothing saved; typed secrets are never flashed
 * back (not even into the session), only the other fields are.
 */
export default class PluginSettingsController {
  async edit({ params, request, view, i18n }: HttpContext) {
    const plugin = pluginHost.find(params.key)
    if (!plugin?.settings.hasForm) throw new errors.E_ROUTE_NOT_FOUND(['GET', request.url()])
    const presenter = new PluginPresenter(pluginHost, i18n.locale)
    return view.render('pages/settings/plugin_settings', {
      plugin: presenter.summary(plugin),
      fields: presenter.form(plugin),
    })
  }

  async update({ params, request, response, auth, session, i18n }: HttpContext) {
    const plugin = pluginHost.find(params.key)
    if (!plugin?.settings.hasForm) throw new errors.E_ROUTE_NOT_FOUND(['PUT', request.url()])
    const names = plugin.settings.fields.map(([name]) => name)
    const values = request.only(names)
    const editPath = `/settings/plugins/${plugin.key}/settings`
    try {
      await pluginHost.saveSettings(
        plugin.key,
        { values, clear: [request.input('clearSecrets', [])].flat().map(String) },
        auth.user!.id,
        pluginMessagesProvider(i18n.createMessagesProvider(), plugin.manifest, i18n.locale)
      )
    } catch (error) {
      if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
      const bag: Record<string, string[]> = {}
      for (const { field, message } of error.messages as { field: string; message: string }[]) {
        ;(bag[field] ??= []).push(message)
      }
      session.flash('inputErrorsBag', bag)
      for (const name of names) {
        if (!plugin.settings.secretFields.has(name) && values[name] !== undefined)
          session.flash(name, values[name])
      }
      return response.redirect(editPath)
    }
    session.flash('success', i18n.t('plugins.settings_saved'))
    return response.redirect(editPath)
  }
}
