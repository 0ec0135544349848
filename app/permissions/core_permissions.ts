import type { PermissionDefinition } from '#permissions/permission_registry'

/**
 * The core's permissions with the defaults of seed 000 §3A. Plugins add theirs
 * through their context. Keys are stable: they are stored in role grants.
 */
const corePermissions: PermissionDefinition[] = [
  {
    key: 'dashboard.view',
    group: 'dashboard',
    label: { es: 'Ver el panel y las métricas', en: 'View dashboard and metrics' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'users.view',
    group: 'users',
    label: { es: 'Ver usuarios', en: 'View users' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'users.manage',
    group: 'users',
    label: { es: 'Crear, editar e inactivar usuarios', en: 'Create, edit and inactivate users' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'users.manage_admins',
    group: 'users',
    label: { es: 'Gestionar administradores', en: 'Manage administrators' },
    defaults: ['admin'],
  },
  {
    key: 'roles.manage',
    group: 'users',
    label: { es: 'Editar roles y permisos', en: 'Edit roles and permissions' },
    defaults: ['admin'],
  },
  {
    key: 'settings.manage',
    group: 'settings',
    label: { es: 'Cambiar la configuración global', en: 'Change global settings' },
    defaults: ['admin'],
  },
  {
    key: 'plugins.manage',
    group: 'settings',
    label: { es: 'Activar y configurar plugins', en: 'Enable and configure plugins' },
    defaults: ['admin'],
  },
  {
    key: 'system_events.view',
    group: 'settings',
    label: {
      es: 'Ver alertas críticas y eventos del sistema',
      en: 'View critical alerts and system events',
    },
    defaults: ['admin'],
  },
  {
    key: 'audit.view',
    group: 'settings',
    label: { es: 'Ver la auditoría', en: 'View the audit trail' },
    defaults: ['admin'],
  },
  {
    key: 'connections.manage',
    group: 'connections',
    label: { es: 'Gestionar conexiones de WhatsApp', en: 'Manage WhatsApp connections' },
    defaults: ['admin'],
  },
  {
    key: 'connections.operate',
    group: 'connections',
    label: { es: 'Ver y reconectar conexiones', en: 'View and reconnect connections' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'connections.messages',
    group: 'connections',
    label: {
      es: 'Configurar mensajes de bienvenida y despedida',
      en: 'Configure welcome and farewell messages',
    },
    defaults: ['admin'],
  },
  {
    key: 'chats.view_all',
    group: 'chats',
    label: { es: 'Ver todos los chats', en: 'View all chats' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'chats.view_own',
    group: 'chats',
    label: { es: 'Ver los chats asignados', en: 'View assigned chats' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'chats.reply',
    group: 'chats',
    label: { es: 'Enviar y recibir mensajes', en: 'Send and receive messages' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'chats.assign',
    group: 'chats',
    label: { es: 'Asignar chats a agentes', en: 'Assign chats to agents' },
    defaults: ['admin', 'supervisor'],
  },
  {
    // Seed 000 §3F: tags are put on chats and messages from the chat screen, by whoever works the chat.
    key: 'chats.tag',
    group: 'chats',
    label: { es: 'Etiquetar chats y mensajes', en: 'Tag chats and messages' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'transfers.request',
    group: 'chats',
    label: { es: 'Solicitar transferencias', en: 'Request transfers' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'transfers.approve',
    group: 'chats',
    label: {
      es: 'Aprobar, denegar y hacer transferencias directas',
      en: 'Approve, deny and make direct transfers',
    },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'transfers.view_history',
    group: 'chats',
    label: {
      es: 'Ver y exportar el historial de transferencias',
      en: 'View and export the transfer history',
    },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'quick_replies.use',
    group: 'chats',
    label: { es: 'Usar plantillas y respuestas rápidas', en: 'Use templates and quick replies' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'quick_replies.manage',
    group: 'chats',
    label: { es: 'Gestionar respuestas rápidas', en: 'Manage quick replies' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'tags.manage',
    group: 'chats',
    label: { es: 'Crear, editar e inactivar etiquetas', en: 'Create, edit and inactivate tags' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'contacts.view_all',
    group: 'contacts',
    label: { es: 'Ver todos los contactos y clientes', en: 'View all contacts and clients' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'contacts.create',
    group: 'contacts',
    label: { es: 'Crear contactos', en: 'Create contacts' },
    defaults: ['admin', 'supervisor', 'agent'],
  },
  {
    key: 'contacts.edit_sensitive',
    group: 'contacts',
    label: { es: 'Editar datos sensibles del cliente', en: 'Edit sensitive client data' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'contacts.validate',
    group: 'contacts',
    label: { es: 'Validar y corregir datos de clientes', en: 'Validate and correct client data' },
    defaults: ['admin', 'supervisor'],
  },
  {
    key: 'rules.manage',
    group: 'settings',
    label: {
      es: 'Definir reglas operativas (asignación, transferencias, notificaciones)',
      en: 'Define operating rules (assignment, transfers, notifications)',
    },
    defaults: ['admin'],
  },
]

export default corePermissions
