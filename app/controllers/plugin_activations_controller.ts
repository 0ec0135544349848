import type { HttpContext } from '@adonisjs/core/http'
import pluginHost from '#plugin_host/plugin_host'
import { PluginError } from '#plugin_host/plugin_errors'
import { PluginPresenter } from '#plugin_host/plugin_presenter'

/**
 * A plugin's activation as a resource: POST enables it, DELETE disables it,
 * at runtime, without a restart. Refusals come back as a translated flash.
 */
export default class PluginActivationsController {
  async store(ctx: HttpContext) {
    return this.#change(ctx, 'enable')
  }

  async destroy(ctx: HttpContext) {
    return this.#change(ctx, 'disable')
  }

  async #change(
    { params, auth, session, response, i18n }: HttpContext,
    action: 'enable' | 'disable'
  ) {
    const presenter = new PluginPresenter(pluginHost, i18n.locale)
    const key = String(params.key)
    try {
      await pluginHost[action](key, auth.user!.id)
      session.flash('success', i18n.t(`plugins.${action}d`, { name: presenter.nameOf(key) }))
    } catch (error) {
      if (!(error instanceof PluginError)) throw error
      session.flash('error', presenter.errorMessage(error, i18n))
    }
    return response.redirect('/settings/plugins')
  }
}
