import { definePlugin } from '#plugin_host/contract'
import { callsSettingsSchema } from './settings.js'
import { CallNotices, type CallsContext } from './call_notices.js'

/**
 * WhatsApp calls (R-CL-1), for any channel that reports them through the
 * ingest port: notices to the agent (incoming, missed), and an optional
 * auto-reject with a message. The timeline entry itself is the core's.
 */
export default definePlugin({
  manifest: {
    key: 'calls',
    name: { es: 'Llamadas', en: 'Calls' },
    description: {
      es: 'Avisa al agente de las llamadas de WhatsApp (entrantes y perdidas) y puede rechazarlas automáticamente con un mensaje.',
      en: 'Tells the agent about WhatsApp calls (incoming and missed) and can decline them automatically with a message.',
    },
    version: '0.1.0',
    kind: 'feature',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: callsSettingsSchema,
      defaults: {
        notifyAgent: true,
        autoReject: false,
        rejectMessage:
          'En este momento no podemos atender llamadas. Escríbenos por aquí y te responderemos enseguida.',
      },
      fields: {
        notifyAgent: {
          label: { es: 'Avisar al agente', en: 'Notify the agent' },
          type: 'boolean',
          help: {
            es: 'Llamadas entrantes y perdidas; sin agente asignado, a los supervisores.',
            en: 'Incoming and missed calls; with no agent assigned, the supervisors.',
          },
        },
        autoReject: {
          label: { es: 'Rechazar llamadas automáticamente', en: 'Decline calls automatically' },
          type: 'boolean',
        },
        rejectMessage: {
          label: { es: 'Mensaje al rechazar', en: 'Message when declining' },
          type: 'textarea',
          help: {
            es: 'Se envía al cliente tras rechazar su llamada. Vacío: no se envía nada.',
            en: 'Sent to the customer after declining the call. Empty: nothing is sent.',
          },
        },
      },
    },
  },

  register(ctx) {
    const notices = new CallNotices(ctx as CallsContext)
    ctx.events.on('conversation:message_received', (event) => notices.callStarted(event))
    ctx.events.on('conversation:message_updated', (event) => notices.callUpdated(event))
  },
})
