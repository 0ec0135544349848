import type User from '#models/user'
import Organization from '#models/organization'

/**
 * Whose numbers a dashboard viewer gets. `dashboard.view` (admins and
 * supervisors by default) sees the whole operation; anyone else who holds
 * chats (`chats.view_own`) sees only the conversations assigned to them,
 * the same rule as the chat list. Every dashboard query applies the scope
 * in SQL, never by filtering results.
 *
 * Supervisors are not limited to departments today because chat access is
 * not (ConversationAccess: `chats.view_all` sees every chat). If departments
 * ever scope supervisors, add a `departmentIds` kind here and in
 * `scopeSql()`; every dashboard query goes through it.
 */
export type DashboardScope =
  { kind: 'team'; timezone: string } | { kind: 'own'; userId: number; timezone: string }

export const DASHBOARD_PERMISSIONS = ['dashboard.view', 'chats.view_own']

export async function dashboardScopeFor(
  user: User,
  organization?: Promise<Organization | null>
): Promise<DashboardScope | null> {
  if (!user.isActive) return null
  const permissions = await user.permissions()
  const timezone = (await (organization ?? Organization.current()))?.timezone ?? 'America/Guayaquil'
  if (permissions.has('dashboard.view')) return { kind: 'team', timezone }
  if (permissions.has('chats.view_own')) return { kind: 'own', userId: user.id, timezone }
  return null
}

/**
 * The scope as a condition on a conversations alias, with its binding:
 * `WHERE ${sql}` stays valid for the team (`true`).
 */
export function scopeSql(scope: DashboardScope, alias = 'c') {
  return scope.kind === 'own'
    ? { sql: `${alias}.assigned_user_id = ?`, bindings: [scope.userId] as unknown[] }
    : { sql: 'true', bindings: [] as unknown[] }
}
