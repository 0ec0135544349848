import type { HttpContext } from '@adonisjs/core/http'
import { renderPage } from '#services/page_renderer'

/** Landing page after login; the dashboard and inbox replace its content as they land. */
export default class HomeController {
  async show(ctx: HttpContext) {
    return renderPage(ctx, { page: 'pages/home', partial: 'partials/home_content' })
  }
}
