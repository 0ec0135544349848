import { definePlugin } from '#plugin_host/contract'
import { helloSettingsSchema } from './settings.js'
import { showGreeting } from './greeting.js'
import heartbeat from './heartbeat.js'

/**
 * The example plugin (docs/PLUGINS.md): a page at /hello from its own Edge
 * disk, a permission, a nav entry, settings with a secret, a table of its
 * own, and a timer that runs only while the plugin is enabled.
 */
export default definePlugin({
  manifest: {
    key: 'hello',
    name: { es: 'Hola', en: 'Hello' },
    description: {
      es: 'Plugin de ejemplo: una página de saludo configurable. Sirve de modelo para escribir plugins.',
      en: 'Example plugin: a configurable greeting page. A model for writing plugins.',
    },
    version: '0.1.0',
    kind: 'feature',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: helloSettingsSchema,
      defaults: { greeting: '¡Hola!', tone: 'friendly', repeat: 1, shout: false },
      secrets: ['apiToken'],
      fields: {
        greeting: { label: { es: 'Saludo', en: 'Greeting' }, type: 'text', required: true },
        tone: {
          label: { es: 'Tono', en: 'Tone' },
          type: 'select',
          options: [
            { value: 'friendly', label: { es: 'Amistoso', en: 'Friendly' } },
            { value: 'formal', label: { es: 'Formal', en: 'Formal' } },
          ],
        },
        repeat: {
          label: { es: 'Repeticiones', en: 'Repetitions' },
          type: 'number',
          help: { es: 'De 1 a 5.', en: 'From 1 to 5.' },
        },
        shout: { label: { es: 'En mayúsculas', en: 'Upper case' }, type: 'boolean' },
        apiToken: {
          label: { es: 'Token de API', en: 'API token' },
          type: 'password',
          help: {
            es: 'Se guarda cifrado; nunca se vuelve a mostrar.',
            en: 'Stored encrypted; never shown again.',
          },
        },
      },
    },
    permissions: [
      {
        key: 'hello.view',
        group: 'hello',
        label: { es: 'Ver la página de saludo', en: 'View the greeting page' },
        defaults: ['admin', 'supervisor', 'agent'],
      },
    ],
    nav: [
      {
        key: 'greeting',
        label: { es: 'Hola', en: 'Hello' },
        href: '/hello',
        permissions: ['hello.view'],
        order: 70,
      },
    ],
  },

  register(ctx) {
    ctx.views()
    ctx.migrations()
    ctx.routes((router, middleware) => {
      router
        .get('/', (http) => showGreeting(http, ctx))
        .as('greeting')
        .use([middleware.auth(), middleware.can(['hello.view'])])
    })
  },

  activate() {
    heartbeat.start(60_000)
  },

  deactivate() {
    heartbeat.stop()
  },

  onSettingsChanged(ctx) {
    ctx.logger.info({ greeting: ctx.settings.get().greeting }, 'hello settings changed')
  },
})
