import type User from '#models/user'

/**
 * Names of the Transmit channels and who may listen to them. The broadcaster
 * (app/listeners/broadcast.ts) sends to these names; start/transmit.ts asks
 * `mayListen*` when a browser subscribes. A channel that is not authorized in
 * start/transmit.ts is open to every logged-in user, so every name here must
 * have its rule there.
 */
export const liveChannels = {
  /** Everything personal: notifications, own assignments. */
  user: (userId: number) => `users/${userId}`,
  /** Queue-wide changes for people who watch every chat or the dashboard. */
  supervisors: 'supervisors',
  /** "Something on the dashboard changed" for viewers of the whole operation. */
  dashboard: 'dashboard',
  /** New rows in the critical-events log. */
  systemEvents: 'system_events',
  conversation: (conversationId: number) => `conversations/${conversationId}`,
  connection: (connectionId: number) => `connections/${connectionId}`,
}

/** What the browser receives: a signal to refetch, never data or markup. */
export interface LiveSignal {
  type: string
  id?: number | string
}

async function holdsAny(user: User | undefined, permissions: string[]) {
  if (!user || !user.isActive) return false
  const granted = await user.permissions()
  return permissions.some((permission) => granted.has(permission))
}

export const SUPERVISOR_CHANNEL_PERMISSIONS = ['chats.view_all', 'dashboard.view']
export const SYSTEM_EVENTS_CHANNEL_PERMISSIONS = ['system_events.view']
/** Team figures; agents get their own dashboard signals on `users/:id`. */
export const DASHBOARD_CHANNEL_PERMISSIONS = ['dashboard.view']

/** A connection's state (QR, connected, lost): who manages or operates the numbers. */
export const CONNECTION_CHANNEL_PERMISSIONS = ['connections.manage', 'connections.operate']

export function mayListenToConnection(user: User | undefined, connectionId: string) {
  return /^\d+$/.test(connectionId) && holdsAny(user, CONNECTION_CHANNEL_PERMISSIONS)
}

export function mayListenToUser(user: User | undefined, userId: string) {
  return !!user && user.isActive && String(user.id) === userId
}

export function mayListenToSupervisors(user: User | undefined) {
  return holdsAny(user, SUPERVISOR_CHANNEL_PERMISSIONS)
}

export function mayListenToSystemEvents(user: User | undefined) {
  return holdsAny(user, SYSTEM_EVENTS_CHANNEL_PERMISSIONS)
}

export function mayListenToDashboard(user: User | undefined) {
  return holdsAny(user, DASHBOARD_CHANNEL_PERMISSIONS)
}
