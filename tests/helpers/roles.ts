import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'

/** A custom role holding exactly the given permissions (for permission-boundary tests). */
export async function createCustomRole(
  key: string,
  permissions: string[],
  overrides: Partial<Pick<Role, 'isActive' | 'name'>> = {}
) {
  const role = await Role.create({
    key,
    name: overrides.name ?? key,
    description: null,
    isSystem: false,
    isActive: overrides.isActive ?? true,
  })
  if (permissions.length) {
    await db
      .table('role_permissions')
      .multiInsert(
        permissions.map((permission) => ({ role_id: role.id, permission_key: permission }))
      )
  }
  return role
}

export async function grantsOf(roleKey: string) {
  const rows = await db
    .from('role_permissions')
    .join('roles', 'roles.id', 'role_permissions.role_id')
    .where('roles.key', roleKey)
    .select('permission_key')
  return rows.map((row) => row.permission_key as string).sort()
}

export async function auditEntries(action: string) {
  return db.from('audit_logs').where('action', action).orderBy('id')
}
