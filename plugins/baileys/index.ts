import { definePlugin } from '#plugin_host/contract'
import { setBaileysContext, type BaileysContext } from './plugin_context.js'
import drivers from './baileys_driver.js'
import { SessionManager } from './session_manager.js'
import { registerBaileysRoutes } from './routes.js'
import { BAILEYS_SETTINGS_DEFAULTS, baileysSettingsSchema } from './settings.js'

function makeManager(ctx: BaileysContext) {
  return new SessionManager({
    db: ctx.db,
    ingest: ctx.ports.ingest,
    media: ctx.ports.media,
    // Baileys logs every decryption retry at length (CONTRACTS.md B.8 #1): warnings only by default.
    logger: ctx.logger.child(
      { lib: 'baileys' },
      { level: process.env.BAILEYS_LOG_LEVEL || 'warn' }
    ),
    record: (event) => ctx.systemEvents.record(event),
    connectionIds: async () => (await ctx.ports.channels.connections()).map((c) => c.id),
  })
}

/**
 * WhatsApp through Baileys (the unofficial multi-device protocol): numbers
 * linked by QR or pairing code, sessions kept in PostgreSQL, one owner per
 * session across instances, reconnect policy by disconnect reason. See
 * docs/BAILEYS.md.
 */
export default definePlugin({
  manifest: {
    key: 'baileys',
    name: { es: 'WhatsApp por QR (Baileys)', en: 'WhatsApp by QR (Baileys)' },
    description: {
      es: 'Vincule números de WhatsApp escaneando un código QR. Canal no oficial: evite envíos masivos.',
      en: 'Link WhatsApp numbers by scanning a QR code. Unofficial channel: avoid bulk sending.',
    },
    version: '0.1.0',
    kind: 'channel',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: baileysSettingsSchema,
      defaults: BAILEYS_SETTINGS_DEFAULTS,
      fields: {
        newContactsPerHour: {
          label: {
            es: 'Contactos nuevos por hora (por número)',
            en: 'New contacts per hour (per number)',
          },
          type: 'number',
          required: true,
          help: {
            es: 'Límite con el que empieza cada número nuevo: personas que nunca escribieron a las que puede escribir primero en una hora (WhatsApp bloquea números que escriben a muchos desconocidos). Cada número se ajusta en Conexiones; al llegar al límite, los mensajes esperan en la cola.',
            en: 'The limit every new number starts with: people who never wrote in that it may write to first within an hour (WhatsApp bans numbers that write to many strangers). Adjust each number in Connections; at the limit, messages wait in the queue.',
          },
        },
        newContactsPerDay: {
          label: {
            es: 'Contactos nuevos por día (por número)',
            en: 'New contacts per day (per number)',
          },
          type: 'number',
          required: true,
        },
      },
    },
    permissions: [
      {
        key: 'baileys.manage',
        group: 'baileys',
        label: {
          es: 'Vincular, reconectar y desvincular números por QR',
          en: 'Link, reconnect and log out QR numbers',
        },
        defaults: ['admin', 'supervisor'],
      },
    ],
    nav: [
      {
        key: 'baileys',
        label: { es: 'WhatsApp QR', en: 'WhatsApp QR' },
        href: '/baileys',
        permissions: ['baileys.manage'],
        order: 61,
      },
    ],
  },

  register(ctx) {
    setBaileysContext(ctx)
    ctx.views()
    ctx.migrations()
    ctx.ports.channels.registerDriver((connection) => drivers.for(connection.id))
    registerBaileysRoutes(ctx)
  },

  async activate(ctx) {
    // A whole app process with WhatsApp played by the socket double: the two-instance lease test.
    if (process.env.BAILEYS_SOCKET_DOUBLE === '1') {
      const { useDoubleRuntime } = await import('./testing/double_runtime.js')
      useDoubleRuntime({
        leaseTtlMs: Number(process.env.BAILEYS_LEASE_TTL_MS) || undefined,
        pollMs: Number(process.env.BAILEYS_POLL_MS) || undefined,
      })
    }
    const manager = makeManager(ctx)
    drivers.use(manager)
    // Sessions come up in the ownership loop, not here: activate must not wait for WhatsApp.
    manager.start()
  },

  async deactivate() {
    const manager = drivers.manager()
    drivers.use(null)
    // No reporting: at shutdown or after a test emptied the database the rows may be gone.
    await manager?.stopAll().catch(() => undefined)
  },
})
