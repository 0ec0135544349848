import type { HttpContext } from '@adonisjs/core/http'
import presence from '#services/routing/agent_presence'
import { presenceValidator } from '#validators/routing_validator'

/** The agent's own availability: the header control, its change, and the page heartbeat. */
export default class PresenceController {
  async show({ auth, view }: HttpContext) {
    return view.render('partials/presence/control', {
      presenceStatus: await presence.statusOf(auth.user!.id),
    })
  }

  async update({ auth, request, response, view }: HttpContext) {
    const { status } = await request.validateUsing(presenceValidator)
    await presence.set(auth.user!.id, status, 'agent')
    if (request.header('hx-request') !== 'true') return response.redirect().back()
    return view.render('partials/presence/control', { presenceStatus: status })
  }

  async heartbeat({ auth, response }: HttpContext) {
    await presence.touch(auth.user!.id)
    return response.noContent()
  }
}
