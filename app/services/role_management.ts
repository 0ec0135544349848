import db from '@adonisjs/lucid/services/db'
import string from '@adonisjs/core/helpers/string'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Role from '#models/role'
import auditTrail from '#services/audit_trail'
import type { Actor } from '#services/user_management'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export interface RoleInput {
  name: string
  description?: string | null
}

/**
 * Custom roles: created from a name (the key is its slug and never changes,
 * grants point at the role id), renamed, inactivated and reactivated. System
 * roles keep their translated names and cannot be inactivated; a role still
 * held by active users cannot be inactivated either. Nothing is deleted.
 */
export class RoleManagement {
  async create(actor: Actor, input: RoleInput) {
    const key = string.slug(input.name, { lower: true, strict: true }).slice(0, 60)
    if (!key) throw new RuleViolationException('roles.errors.name_invalid', 'name')
    return this.#transaction(async (trx) => {
      await this.#ensureNameFree(input.name, key, null, trx)
      const role = await Role.create(
        {
          key,
          name: input.name,
          description: input.description || null,
          isSystem: false,
          isActive: true,
        },
        { client: trx }
      )
      await this.#audit(actor, 'role.created', role, null, snapshot(role), trx)
      return role
    })
  }

  async rename(actor: Actor, roleId: number, input: RoleInput) {
    return this.#transaction(async (trx) => {
      const role = await this.#lockRole(roleId, trx)
      if (role.isSystem) throw new RuleViolationException('roles.errors.system_role_fixed')
      await this.#ensureNameFree(input.name, null, role.id, trx)
      const before = snapshot(role)
      role.merge({ name: input.name, description: input.description || null })
      await role.save()
      await this.#audit(actor, 'role.updated', role, before, snapshot(role), trx)
      return role
    })
  }

  async setActive(actor: Actor, roleId: number, isActive: boolean) {
    return this.#transaction(async (trx) => {
      // The row lock conflicts with the FOR SHARE that user creations and role
      // changes take on the role: no user joins it between the count and the update.
      const role = await this.#lockRole(roleId, trx)
      if (role.isSystem) throw new RuleViolationException('roles.errors.system_role_status')
      if (role.isActive === isActive) return role
      if (!isActive) {
        const row = await trx
          .from('users')
          .where({ role_id: role.id, is_active: true })
          .count('* as total')
          .first()
        const count = Number(row?.total ?? 0)
        if (count > 0) throw new RuleViolationException('roles.errors.in_use', undefined, { count })
      }
      role.isActive = isActive
      await role.save()
      await this.#audit(
        actor,
        isActive ? 'role.reactivated' : 'role.inactivated',
        role,
        { isActive: !isActive },
        { isActive },
        trx
      )
      return role
    })
  }

  /** Active users per role id, shown beside each role (and why it cannot be inactivated). */
  async activeUserCounts() {
    const rows = await db
      .from('users')
      .where('is_active', true)
      .groupBy('role_id')
      .select('role_id')
      .count('* as total')
    return Object.fromEntries(rows.map((row) => [row.role_id as number, Number(row.total)]))
  }

  /** NO KEY UPDATE conflicts with the FOR SHARE of user changes, not with plain foreign-key checks. */
  async #lockRole(roleId: number, trx: TransactionClientContract) {
    const query = Role.query({ client: trx }).where('id', roleId)
    query.knexQuery.forNoKeyUpdate()
    const role = await query.first()
    if (!role) throw new RuleViolationException('roles.errors.not_found')
    return role
  }

  async #ensureNameFree(
    name: string,
    key: string | null,
    exceptId: number | null,
    trx: TransactionClientContract
  ) {
    const query = trx.from('roles').where((where) => {
      where.whereRaw('lower(name) = lower(?)', [name])
      if (key) where.orWhere('key', key)
    })
    if (exceptId) query.whereNot('id', exceptId)
    if (await query.select('id').first())
      throw new RuleViolationException('roles.errors.name_taken', 'name')
  }

  #audit(
    actor: Actor,
    action: string,
    role: Role,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return auditTrail.record(
      {
        actorId: actor?.user.id ?? null,
        action,
        subjectType: 'role',
        subjectId: role.id,
        before,
        after,
        ip: actor?.ip ?? null,
      },
      trx
    )
  }

  /** Two admins creating the same role at once: the unique key index decides. */
  async #transaction<T>(work: (trx: TransactionClientContract) => Promise<T>) {
    try {
      return await db.transaction(work)
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new RuleViolationException('roles.errors.name_taken', 'name')
      throw error
    }
  }
}

function snapshot(role: Role) {
  return { key: role.key, name: role.name, description: role.description, isActive: role.isActive }
}

export default new RoleManagement()
