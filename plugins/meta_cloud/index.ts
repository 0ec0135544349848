import { definePlugin } from '#plugin_host/contract'
import { META_DEFAULTS, metaSettingsSchema } from './settings.js'
import { setMetaContext } from './plugin_context.js'
import drivers from './driver/meta_driver.js'
import { onConversationRead } from './driver/mark_read.js'
import webhookInbox from './webhook/webhook_inbox.js'
import { receiveWebhook, verifyWebhook } from './webhook/webhook_handlers.js'
import {
  createNumber,
  editNumber,
  listNumbers,
  newNumber,
  syncTemplates,
  updateNumber,
} from './number_handlers.js'
import metaNumbers from './numbers/meta_numbers.js'

/**
 * WhatsApp through Meta's Cloud API (CONTRACTS.md Part A): business
 * numbers with their Graph API credentials, one signed webhook for all of
 * them (`/webhooks/meta`), a driver per number that sends through the
 * outbox, templates for the 24-hour window. Speaks to the core only
 * through the channel ports.
 */
export default definePlugin({
  manifest: {
    key: 'meta_cloud',
    name: { es: 'WhatsApp Cloud API (Meta)', en: 'WhatsApp Cloud API (Meta)' },
    description: {
      es: 'Números oficiales de WhatsApp Business a través de la API de Meta: webhooks firmados, archivos, plantillas y la ventana de 24 horas.',
      en: "Official WhatsApp Business numbers through Meta's API: signed webhooks, media, templates and the 24-hour window.",
    },
    version: '0.1.0',
    kind: 'channel',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: metaSettingsSchema,
      defaults: META_DEFAULTS,
      fields: {
        graphApiBaseUrl: {
          label: { es: 'URL de la API Graph', en: 'Graph API URL' },
          type: 'url',
          required: true,
          help: {
            es: 'https://graph.facebook.com en producción; la URL de la API simulada para pruebas.',
            en: 'https://graph.facebook.com in production; the fake API URL for trials.',
          },
        },
        graphApiVersion: {
          label: { es: 'Versión de la API', en: 'API version' },
          type: 'text',
          required: true,
        },
        ratePerSecond: {
          label: { es: 'Mensajes por segundo por número', en: 'Messages per second per number' },
          type: 'number',
          required: true,
          help: {
            es: '80 por defecto; 1000 si Meta subió el número de nivel; 20 para números de coexistencia.',
            en: '80 by default; 1000 once Meta upgraded the number; 20 for coexistence numbers.',
          },
        },
        publicBaseUrl: {
          label: { es: 'URL pública de Chasqui', en: "Chasqui's public URL" },
          type: 'url',
          help: {
            es: 'Para mostrar la URL del webhook (https://…). Vacío: la de la página actual.',
            en: 'Used to show the webhook URL (https://…). Empty: the current page’s.',
          },
        },
      },
    },
    permissions: [
      {
        key: 'meta_cloud.manage',
        group: 'meta_cloud',
        label: { es: 'Configurar números de Meta', en: 'Configure Meta numbers' },
        defaults: ['admin'],
      },
    ],
    nav: [
      {
        key: 'numbers',
        label: { es: 'Números de Meta', en: 'Meta numbers' },
        href: '/meta-cloud/numbers',
        permissions: ['meta_cloud.manage'],
        order: 75,
      },
    ],
  },

  commands: [
    () => import('./commands/meta_add_number.js'),
    () => import('./commands/meta_fake.js'),
  ],

  register(ctx) {
    setMetaContext(ctx)
    ctx.views()
    ctx.migrations()
    ctx.ports.channels.registerDriver((connection) => drivers.for(connection.id))
    ctx.events.on('conversation:read', onConversationRead)
    ctx.webhooks((router) => {
      router.get('/meta', verifyWebhook).as('verify')
      router.post('/meta', receiveWebhook).as('receive')
    })
    ctx.routes((router, middleware) => {
      router
        .group(() => {
          router.get('/numbers', listNumbers).as('numbers')
          router.get('/numbers/new', newNumber).as('numbers.new')
          router.post('/numbers', createNumber).as('numbers.create')
          router.get('/numbers/:id/edit', editNumber).as('numbers.edit')
          router.post('/numbers/:id', updateNumber).as('numbers.update')
          router.post('/numbers/:id/templates/sync', syncTemplates).as('numbers.templates')
        })
        .where('id', router.matchers.number())
        .use([middleware.auth(), middleware.can(['meta_cloud.manage'])])
    })
  },

  async activate(ctx) {
    metaNumbers.invalidate()
    webhookInbox.start()
    // Credentials are checked in the background: Meta being slow must not block the switch.
    const connections = await ctx.ports.channels.connections()
    Promise.all(connections.map((c) => drivers.for(c.id).connect())).catch((error) =>
      ctx.logger.warn({ err: error }, 'meta connect failed')
    )
  },

  async deactivate() {
    await webhookInbox.stop()
    drivers.clear()
  },

  async onSettingsChanged(ctx) {
    const rate = ctx.settings.get().ratePerSecond ?? META_DEFAULTS.ratePerSecond
    for (const connection of await ctx.ports.channels.connections()) {
      if (connection.sendRatePerSecond === rate) continue
      connection.sendRatePerSecond = rate
      await connection.save()
    }
  },
})
