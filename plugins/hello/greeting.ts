import type { HttpContext } from '@adonisjs/core/http'
import type { PluginContext } from '#plugin_host/contract'
import type { Infer } from '@vinejs/vine/types'
import type { helloSettingsSchema } from './settings.js'
import heartbeat from './heartbeat.js'

type HelloContext = PluginContext<Infer<typeof helloSettingsSchema>>

/**
 * GET /hello: greets the user with the configured greeting, counts the visit
 * in the plugin's own table and shows whether an API token is saved (never
 * its value).
 */
export async function showGreeting({ view, auth }: HttpContext, plugin: HelloContext) {
  const settings = plugin.settings.get()
  await plugin.db
    .table('hello_visits')
    .insert({ user_id: auth.user?.id ?? null, created_at: new Date() })
  const [{ total }] = await plugin.db.from('hello_visits').count('* as total')
  const text = settings.shout ? settings.greeting.toUpperCase() : settings.greeting
  return view.render('hello::greeting', {
    greeting: Array.from({ length: settings.repeat }, () => text).join(' '),
    tone: settings.tone,
    hasToken: Boolean(settings.apiToken),
    visits: Number(total),
    beats: heartbeat.beats,
  })
}
