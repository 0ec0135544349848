import { definePlugin } from '#plugin_host/contract'
import { contactSyncSettingsSchema } from './settings.js'
import type { ContactSyncContext } from './context.js'
import { AddressBook } from './address_book.js'
import { HistoryImport } from './history_import.js'
import { CrmPush, DEFAULT_FIELD_MAP } from './crm_push.js'
import { retryPush, showReport } from './report_page.js'

/**
 * R-INT-1 and R-INT-2 for any channel that reports its account's contacts
 * and history through the ingest port (Baileys does; Meta has neither):
 * address-book contacts become Chasqui contacts, imported history is kept
 * as far back as the admin chooses, both with a report, and created or
 * updated contacts can be pushed to an external CRM.
 */
export default definePlugin({
  manifest: {
    key: 'contact_sync',
    name: { es: 'Sincronización de contactos', en: 'Contact sync' },
    description: {
      es: 'Crea y actualiza contactos desde la cuenta de WhatsApp, importa los chats recientes al vincular un número y puede enviar los contactos a un CRM externo.',
      en: 'Creates and updates contacts from the WhatsApp account, imports recent chats when a number is linked, and can push contacts to an external CRM.',
    },
    version: '0.1.0',
    kind: 'feature',
    coreVersion: '>=0.1.0 <1.0.0',
    settings: {
      schema: contactSyncSettingsSchema,
      defaults: { createContacts: true, historyDays: 30, crmFieldMap: DEFAULT_FIELD_MAP },
      secrets: ['crmToken'],
      fields: {
        createContacts: {
          label: { es: 'Crear contactos nuevos', en: 'Create new contacts' },
          type: 'boolean',
          help: {
            es: 'Desactivado: solo se actualizan los contactos que ya existen.',
            en: 'Off: only contacts that already exist are updated.',
          },
        },
        historyDays: {
          label: { es: 'Días de historial a importar', en: 'Days of history to import' },
          type: 'number',
          help: {
            es: 'Al vincular un número, se guardan los mensajes de estos últimos días (0 a 365; 0 = ninguno).',
            en: 'When a number is linked, messages from these last days are kept (0 to 365; 0 = none).',
          },
        },
        crmUrl: {
          label: { es: 'URL del CRM (opcional)', en: 'CRM URL (optional)' },
          type: 'url',
          help: {
            es: 'Cada contacto creado o actualizado se envía por POST en JSON a esta dirección.',
            en: 'Every created or updated contact is POSTed as JSON to this address.',
          },
        },
        crmToken: {
          label: { es: 'Token del CRM', en: 'CRM token' },
          type: 'password',
          help: {
            es: 'Se envía como "Authorization: Bearer …". Se guarda cifrado.',
            en: 'Sent as "Authorization: Bearer …". Stored encrypted.',
          },
        },
        crmFieldMap: {
          label: { es: 'Campos para el CRM', en: 'CRM fields' },
          type: 'textarea',
          help: {
            es: 'Una línea por campo: campo_del_crm=campo_de_chasqui. Campos de Chasqui: id, name, phone, waId, lid, photo, holder, document, createdAt, updatedAt.',
            en: 'One line per field: crm_field=chasqui_field. Chasqui fields: id, name, phone, waId, lid, photo, holder, document, createdAt, updatedAt.',
          },
        },
      },
    },
    permissions: [
      {
        key: 'contact_sync.view',
        group: 'contact_sync',
        label: { es: 'Ver el informe de sincronización', en: 'View the sync report' },
        defaults: ['admin', 'supervisor'],
      },
      {
        key: 'contact_sync.manage',
        group: 'contact_sync',
        label: { es: 'Reintentar envíos al CRM', en: 'Retry CRM pushes' },
        defaults: ['admin'],
      },
    ],
    nav: [
      {
        key: 'report',
        label: { es: 'Sincronización', en: 'Sync' },
        href: '/contact-sync',
        permissions: ['contact_sync.view'],
        order: 60,
      },
    ],
  },

  register(ctx) {
    const context = ctx as ContactSyncContext
    const addressBook = new AddressBook(context)
    const history = new HistoryImport(context)
    const crm = new CrmPush(context)

    ctx.views()
    ctx.migrations()
    ctx.events.on('contact:reported', (event) => addressBook.reported(event))
    ctx.events.on('conversation:message_imported', (event) => history.imported(event))
    ctx.events.on('contact:upserted', (event) => crm.queue(event.contactId))
    ctx.jobs.define({
      name: 'push_to_crm',
      schedule: '10s',
      run: async () => {
        await crm.run()
      },
    })
    ctx.routes((router, middleware) => {
      router
        .get('/', (http) => showReport(http, context))
        .as('report')
        .use([middleware.auth(), middleware.can(['contact_sync.view'])])
      router
        .post('/pushes/:id/retry', (http) => retryPush(http, crm))
        .as('retry_push')
        .use([middleware.auth(), middleware.can(['contact_sync.manage'])])
    })
  },

  // Ports are lent after register(); the window only counts while the plugin is active anyway.
  activate(ctx) {
    const history = new HistoryImport(ctx as ContactSyncContext)
    ctx.ports.history.limit(() => history.cutoff())
  },
})
