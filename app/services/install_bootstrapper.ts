import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Role from '#models/role'
import User from '#models/user'
import Organization from '#models/organization'
import permissionRegistry, { type SystemRoleKey } from '#permissions/permission_registry'

const SYSTEM_ROLES: { key: SystemRoleKey; name: string; description: string }[] = [
  {
    key: 'admin',
    name: 'Administrador',
    description: 'Acceso completo; no elimina información de forma definitiva.',
  },
  {
    key: 'supervisor',
    name: 'Supervisor',
    description: 'Supervisa chats, transferencias, contactos y métricas.',
  },
  { key: 'agent', name: 'Agente', description: 'Atiende únicamente los chats asignados.' },
]

/**
 * Brings the database in line with the code at boot: the system roles exist,
 * every registered permission is known, and a permission seen for the first
 * time is granted to its default roles (later edits by an admin stick).
 */
export class InstallBootstrapper {
  async run() {
    await this.ensureSystemRoles()
    await this.syncPermissions()
    await this.createAdminFromEnv()
  }

  async ensureSystemRoles() {
    for (const role of SYSTEM_ROLES) {
      await Role.firstOrCreate({ key: role.key }, { ...role, isSystem: true, isActive: true })
    }
  }

  async syncPermissions() {
    const known = new Set(
      (await db.from('known_permissions').select('key')).map((row) => row.key as string)
    )
    const fresh = permissionRegistry.all().filter((permission) => !known.has(permission.key))
    if (!fresh.length) return

    const roles = await Role.query().where('is_system', true)
    const roleIds = new Map(roles.map((role) => [role.key, role.id]))
    await db.transaction(async (trx) => {
      await trx
        .insertQuery()
        .table('known_permissions')
        .multiInsert(fresh.map((permission) => ({ key: permission.key })))
      const grants = fresh.flatMap((permission) =>
        permission.defaults
          .filter((roleKey) => roleIds.has(roleKey))
          .map((roleKey) => ({ role_id: roleIds.get(roleKey)!, permission_key: permission.key }))
      )
      if (grants.length) {
        await trx.rawQuery(
          `INSERT INTO role_permissions (role_id, permission_key)
           SELECT * FROM unnest(?::int[], ?::text[]) ON CONFLICT DO NOTHING`,
          [grants.map((g) => g.role_id), grants.map((g) => g.permission_key)]
        )
      }
    })
  }

  /**
   * Unattended installs (Docker) create the first administrator from
   * CHASQUI_ADMIN_EMAIL / CHASQUI_ADMIN_PASSWORD; it is never overwritten.
   */
  async createAdminFromEnv(env: NodeJS.ProcessEnv = process.env) {
    const email = env.CHASQUI_ADMIN_EMAIL?.trim().toLowerCase()
    const password = env.CHASQUI_ADMIN_PASSWORD
    if (!email || !password) return
    if (await User.findByEmail(email)) return
    if (password.length < 8) {
      logger.error(
        'CHASQUI_ADMIN_PASSWORD must have at least 8 characters; administrator not created'
      )
      return
    }
    if (!(await Organization.current())) {
      await Organization.create({
        name: env.CHASQUI_ORGANIZATION_NAME || 'Chasqui',
        defaultCountryCode: 'EC',
        defaultLocale: 'es',
        timezone: 'America/Guayaquil',
      })
    }
    const admin = await Role.findByKey('admin')
    await User.create({
      fullName: env.CHASQUI_ADMIN_NAME || 'Administrador',
      email,
      password,
      roleId: admin!.id,
      isActive: true,
    })
    logger.info({ email }, 'first administrator created from CHASQUI_ADMIN_EMAIL')
  }
}

export default new InstallBootstrapper()
