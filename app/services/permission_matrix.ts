import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import permissionRegistry from '#permissions/permission_registry'
import auditTrail from '#services/audit_trail'
import type { Actor } from '#services/user_management'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/**
 * The role × permission matrix (R-US-1): rows are the registered permissions
 * grouped as the registry groups them, columns are roles. The administrator
 * column is not stored: that role always holds every permission.
 */
export class PermissionMatrix {
  async read(locale: string) {
    const roles = await Role.query().orderBy('is_system', 'desc').orderBy('id')
    const rows = await db.from('role_permissions').select('role_id', 'permission_key')
    const grants = new Set(rows.map((row) => `${row.role_id}:${row.permission_key}`))
    const groups = [...permissionRegistry.grouped()].map(([group, permissions]) => ({
      group,
      permissions: permissions.map((permission) => ({
        key: permission.key,
        label: locale === 'en' ? permission.label.en : permission.label.es,
      })),
    }))
    return {
      roles,
      groups,
      isGranted: (role: Role, key: string) => role.isAdmin || grants.has(`${role.id}:${key}`),
    }
  }

  /**
   * Saves the submitted columns. Only registered permissions are touched:
   * grants of a plugin that is no longer installed survive its reinstall.
   * Returns how many roles changed.
   */
  async save(actor: Actor, roleIds: number[], ticked: string[]) {
    const known = new Set(permissionRegistry.all().map((permission) => permission.key))
    const columns = new Set(roleIds)
    const wanted = new Map([...columns].map((id) => [id, new Set<string>()]))
    for (const entry of ticked) {
      const [roleId, key] = [
        Number(entry.slice(0, entry.indexOf(':'))),
        entry.slice(entry.indexOf(':') + 1),
      ]
      if (!known.has(key) || !wanted.has(roleId))
        throw new RuleViolationException('roles.errors.unknown_permission')
      wanted.get(roleId)!.add(key)
    }

    return db.transaction(async (trx) => {
      const roles = await Role.query({ client: trx })
        .whereIn('id', [...columns])
        .orderBy('id')
        .forUpdate()
      if (roles.length !== columns.size) throw new RuleViolationException('roles.errors.not_found')
      let changed = 0
      for (const role of roles.filter((r) => !r.isAdmin)) {
        const rows = await trx
          .from('role_permissions')
          .where('role_id', role.id)
          .select('permission_key')
        const before = rows
          .map((row) => row.permission_key as string)
          .filter((key) => known.has(key))
          .sort()
        const after = [...wanted.get(role.id)!].sort()
        if (before.join() === after.join()) continue
        const removed = before.filter((key) => !wanted.get(role.id)!.has(key))
        const added = after.filter((key) => !before.includes(key))
        if (removed.length)
          await trx
            .from('role_permissions')
            .where('role_id', role.id)
            .whereIn('permission_key', removed)
            .delete()
        if (added.length) {
          await trx
            .table('role_permissions')
            .multiInsert(added.map((key) => ({ role_id: role.id, permission_key: key })))
        }
        await auditTrail.record(
          {
            actorId: actor?.user.id ?? null,
            action: 'role.permissions_changed',
            subjectType: 'role',
            subjectId: role.id,
            before: { permissions: before },
            after: { permissions: after },
            ip: actor?.ip ?? null,
          },
          trx
        )
        changed += 1
      }
      return changed
    })
  }
}

export default new PermissionMatrix()
