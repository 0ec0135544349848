import type { HttpContext } from '@adonisjs/core/http'
import { loginValidator } from '#validators/session_validator'
import loginService from '#services/login_service'
import presence from '#services/routing/agent_presence'

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
    // Logging in is being at work: available for new chats until they say otherwise.
    await presence.set(result.user.id, 'online', 'login')
    return response.redirect('/')
  }

  async destroy({ response, auth }: HttpContext) {
    const user = auth.use('web').user
    await auth.use('web').logout()
    if (user) await presence.set(user.id, 'offline', 'logout')
    return response.redirect('/login')
  }
}
