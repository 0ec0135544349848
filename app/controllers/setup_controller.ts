import type { HttpContext } from '@adonisjs/core/http'
import { setupValidator } from '#validators/setup_validator'
import installSetup from '#services/install_setup'

/** First visit on an install with no users: organization + first administrator. */
export default class SetupController {
  async create({ view }: HttpContext) {
    return view.render('pages/setup')
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const data = await request.validateUsing(setupValidator)
    const admin = await installSetup.complete(data)
    if (!admin) {
      session.flash('error', i18n.t('setup.already_done'))
      return response.redirect('/login')
    }
    await auth.use('web').login(admin)
    return response.redirect('/')
  }
}
