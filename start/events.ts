/*
| Domain event listeners. The broadcaster (app/listeners/broadcast.ts) is the
| only code that talks to Transmit.
*/
import emitter from '@adonisjs/core/services/emitter'
import User from '#models/user'
import { DateTime } from 'luxon'

emitter.on('session_auth:login_succeeded', async ({ user }) => {
  await User.query().where('id', (user as User).id).update({ last_login_at: DateTime.now().toSQL() })
})
