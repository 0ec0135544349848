/*
| The core's entries of the main navigation. Plugins add theirs through their
| context; every entry is filtered by the user's permissions.
*/
import navigation from '#services/navigation'

navigation.add({ key: 'home', label: { es: 'Inicio', en: 'Home' }, href: '/', order: 0 })
navigation.add({
  key: 'dashboard',
  label: { es: 'Panel', en: 'Dashboard' },
  href: '/dashboard',
  permissions: ['dashboard.view', 'chats.view_own'],
  order: 5,
})
navigation.add({
  key: 'inbox',
  label: { es: 'Chats', en: 'Chats' },
  href: '/inbox',
  permissions: ['chats.view_own', 'chats.view_all'],
  order: 10,
})
navigation.add({
  key: 'tags',
  label: { es: 'Etiquetas', en: 'Tags' },
  href: '/tags',
  permissions: ['tags.manage'],
  order: 40,
})
navigation.add({
  key: 'quick_replies',
  label: { es: 'Respuestas rápidas', en: 'Quick replies' },
  href: '/quick-replies',
  permissions: ['quick_replies.manage'],
  order: 41,
})
navigation.add({
  key: 'connections',
  label: { es: 'Conexiones', en: 'Connections' },
  href: '/connections',
  permissions: ['connections.operate', 'connections.manage'],
  order: 70,
})
navigation.add({
  key: 'users',
  label: { es: 'Usuarios', en: 'Users' },
  href: '/users',
  permissions: ['users.view'],
  order: 80,
})
navigation.add({
  key: 'roles',
  label: { es: 'Roles y permisos', en: 'Roles and permissions' },
  href: '/roles',
  permissions: ['roles.manage'],
  order: 85,
})
navigation.add({
  key: 'settings',
  label: { es: 'Configuración', en: 'Settings' },
  href: '/settings/organization',
  permissions: ['settings.manage'],
  order: 90,
})
navigation.add({
  key: 'system_events',
  label: { es: 'Eventos del sistema', en: 'System events' },
  href: '/system-events',
  permissions: ['system_events.view'],
  order: 95,
})
navigation.add({
  key: 'audit',
  label: { es: 'Auditoría', en: 'Audit trail' },
  href: '/audit',
  permissions: ['audit.view'],
  order: 96,
})
navigation.add({
  key: 'plugins',
  label: { es: 'Plugins', en: 'Plugins' },
  href: '/settings/plugins',
  permissions: ['plugins.manage'],
  order: 91,
})
