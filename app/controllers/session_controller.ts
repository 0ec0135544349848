import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/session_validator'
import loginService from '#services/login_service'

export default class SessionController {
  async create({ view }: HttpContext) {
    return view.render('pages/auth/login')
  }

  async store({ request, response, auth, session, i18n }: HttpContext) {
    const { email, password } = await request.validateUsing(loginValidator)
    const result = await loginService.attempt(email, password, request.ip())
    if (!result.user) {
      session.flashExcept(['password'])
      session.flash(
        'error',
        i18n.t(`auth.${result.reason}`, { minutes: result.retryAfterMinutes ?? 0 })
      )
      return response.redirect().back()
    }
    await auth.use('web').login(result.user)
    return response.redirect('/')
  }

  async destroy({ response, auth }: HttpContext) {
    await auth.use('web').logout()
    return response.redirect('/login')
  }
}
