import type { HttpContext } from '@adonisjs/core/http'
import { sandboxContext } from './plugin_context.js'
import drivers from './sandbox_driver.js'
import { lineValidator } from './validators.js'

/*
| /sandbox: the sandbox lines (connections) with a link to each one's
| customer phone, and a form to add one — what `sandbox:connection` does,
| for admins who never open a terminal.
*/

export async function listLines({ view }: HttpContext) {
  return view.render('sandbox::lines', {
    lines: await sandboxContext().ports.channels.connections(),
  })
}

export async function createLine({ request, response, session, i18n }: HttpContext) {
  const { name } = await request.validateUsing(lineValidator)
  const connection = await sandboxContext().ports.channels.createConnection({ name })
  await drivers.for(connection.id).connect()
  session.flash('success', i18n.t('sandbox.lines.created', { name: connection.name }))
  return response.redirect(`/sandbox/connections/${connection.id}/phone`)
}
