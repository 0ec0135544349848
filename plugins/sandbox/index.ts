import { definePlugin } from '#plugin_host/contract'
import { sandboxSettingsSchema } from './settings.js'
import { setSandboxContext } from './plugin_context.js'
import drivers from './sandbox_driver.js'
import calls from './sandbox_calls.js'
import {
  createCustomer,
  hangUp,
  placeCall,
  sendAsCustomer,
  setFailure,
  showMedia,
  showPhone,
  showThread,
} from './phone_handlers.js'
import { createLine, listLines } from './lines_page.js'

/**
 * A simulated WhatsApp channel for demos, agent training and end-to-end
 * tests. It speaks to the core only through the channel ports
 * (`ctx.ports.ingest`, `ctx.ports.channels`), like any real channel, and
 * passes tests/contract/. The far side is a "customer phone" page per
 * connection, stored in the plugin's own tables.
 */
export default definePlugin({
  manifest: {
    key: 'sandbox',
    name: { es: 'Canal de prueba', en: 'Sandbox channel' },
    description: {
      es: 'Un WhatsApp simulado para demostraciones, capacitación y pruebas: un teléfono de cliente en el navegador.',
      en: 'A simulated WhatsApp for demos, training and tests: a customer phone in the browser.',
    },
    version: '0.1.0',
    kind: 'channel',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: sandboxSettingsSchema,
      defaults: { deliveryDelayMs: 1500, callTimeoutSeconds: 30 },
      fields: {
        deliveryDelayMs: {
          label: { es: 'Demora de entrega (ms)', en: 'Delivery delay (ms)' },
          type: 'number',
          help: {
            es: 'Tiempo entre "enviado" y "entregado".',
            en: 'Time between "sent" and "delivered".',
          },
        },
        callTimeoutSeconds: {
          label: { es: 'Timbre de una llamada (s)', en: 'Call ringing time (s)' },
          type: 'number',
          help: {
            es: 'Una llamada del teléfono de prueba que nadie atiende pasa a perdida tras este tiempo.',
            en: 'A sandbox phone call nobody answers turns missed after this long.',
          },
        },
      },
    },
    permissions: [
      {
        key: 'sandbox.use',
        group: 'sandbox',
        label: {
          es: 'Usar el teléfono de cliente de prueba',
          en: 'Use the sandbox customer phone',
        },
        defaults: ['admin'],
      },
    ],
    nav: [
      {
        key: 'lines',
        label: { es: 'Teléfono de prueba', en: 'Sandbox phone' },
        href: '/sandbox',
        permissions: ['sandbox.use'],
        order: 80,
      },
    ],
  },

  commands: [
    () => import('./commands/sandbox_connection.js'),
    () => import('./commands/sandbox_message.js'),
  ],

  register(ctx) {
    setSandboxContext(ctx)
    ctx.views()
    ctx.migrations()
    ctx.ports.channels.registerDriver((connection) => drivers.for(connection.id))
    ctx.routes((router, middleware) => {
      router
        .group(() => {
          router.get('/', listLines).as('lines')
          router.post('/connections', createLine).as('lines.create')
        })
        .use([middleware.auth(), middleware.can(['sandbox.use'])])
      router
        .group(() => {
          router.get('/connections/:id/phone', showPhone).as('phone')
          router.get('/connections/:id/phone/thread', showThread).as('phone.thread')
          router.post('/connections/:id/phone/customers', createCustomer).as('phone.customers')
          router.post('/connections/:id/phone/messages', sendAsCustomer).as('phone.messages')
          router.post('/connections/:id/phone/failure', setFailure).as('phone.failure')
          router.post('/connections/:id/phone/calls', placeCall).as('phone.calls')
          router
            .post('/connections/:id/phone/calls/:callId/hangup', hangUp)
            .as('phone.calls.hangup')
            .where('callId', router.matchers.number())
          router
            .get('/connections/:id/phone/media/:messageId', showMedia)
            .as('phone.media')
            .where('messageId', router.matchers.number())
        })
        .where('id', router.matchers.number())
        .use([middleware.auth(), middleware.can(['sandbox.use'])])
    })
  },

  async activate(ctx) {
    // A simulated line is always reachable: every sandbox connection comes up with the plugin.
    for (const connection of await ctx.ports.channels.connections()) {
      await drivers.for(connection.id).connect()
      // Their expiry timers died with the previous run.
      await calls.expireStale(connection.id)
    }
  },

  deactivate() {
    // No I/O: at shutdown or after a test emptied the database the rows may be gone.
    drivers.clear()
  },
})
