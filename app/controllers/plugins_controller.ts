import type { HttpContext } from '@adonisjs/core/http'
import pluginHost from '#plugin_host/plugin_host'
import { PluginPresenter } from '#plugin_host/plugin_presenter'
import { renderPage } from '#services/page_renderer'

/** Settings → Plugins: every installed plugin, its state and its switch. */
export default class PluginsController {
  async index(ctx: HttpContext) {
    const presenter = new PluginPresenter(pluginHost, ctx.i18n.locale)
    return renderPage(
      ctx,
      { page: 'pages/settings/plugins', partial: 'partials/plugins/list' },
      { plugins: presenter.list() }
    )
  }
}
