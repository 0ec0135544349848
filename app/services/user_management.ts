import db from '@adonisjs/lucid/services/db'
import { Bouncer } from '@adonisjs/bouncer'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import User from '#models/user'
import Role from '#models/role'
import auditTrail from '#services/audit_trail'
import { policies } from '#policies/main'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export interface UserProfileInput {
  fullName: string
  email: string
  roleId: number
  locale: 'es' | 'en'
}

export interface NewUserInput extends UserProfileInput {
  password: string
}

/**
 * Who is acting: a logged-in user (checked against UserPolicy) or `null` for
 * an installer running an ace command on the server, who is trusted.
 */
export type Actor = { user: User; ip?: string } | null

type UserAction = 'edit' | 'changeStatus' | 'resetPassword' | 'assignRole'

/**
 * Creating and changing users, with the guard rails of seed 000 §3A enforced
 * here so every caller (pages, ace commands) gets them:
 * - object-level permissions through UserPolicy (supervisors never touch administrators);
 * - the last active administrator can be neither inactivated nor demoted;
 * - emails are unique whatever their case; nobody inactivates themselves;
 * - users are never deleted, only inactivated; every change is audited.
 * Each change runs in one transaction with the rows it depends on locked, so
 * two administrators acting at once cannot break these rules.
 */
export class UserManagement {
  async create(actor: Actor, input: NewUserInput) {
    return this.#transaction(async (trx) => {
      const role = await this.#lockAssignableRole(input.roleId, trx)
      await this.#authorize(actor, 'assignRole', role)
      await this.#ensureEmailFree(input.email, null, trx)
      const user = await User.create(
        {
          fullName: input.fullName,
          email: input.email,
          password: input.password,
          roleId: role.id,
          locale: input.locale,
          isActive: true,
        },
        { client: trx }
      )
      await this.#audit(
        actor,
        'user.created',
        user,
        null,
        { ...snapshot(user, role), password: true },
        trx
      )
      return user
    })
  }

  async update(actor: Actor, userId: number, input: UserProfileInput) {
    return this.#transaction(async (trx) => {
      await this.#serializeAdminChanges(trx)
      const user = await this.#lockUser(userId, trx)
      await this.#authorize(actor, 'edit', user)
      const before = snapshot(user, user.role)
      let role: Role = user.role
      if (input.roleId !== user.roleId) {
        role = await this.#lockAssignableRole(input.roleId, trx)
        await this.#authorize(actor, 'assignRole', role)
        if (user.role.isAdmin && user.isActive && !role.isAdmin)
          await this.#ensureAnotherActiveAdmin(user, trx)
      }
      await this.#ensureEmailFree(input.email, user.id, trx)
      user.merge({
        fullName: input.fullName,
        email: input.email,
        roleId: role.id,
        locale: input.locale,
      })
      await user.save()
      const after = snapshot(user, role)
      if (JSON.stringify(before) === JSON.stringify(after)) return user
      await this.#audit(actor, 'user.updated', user, before, after, trx)
      if (before.role !== after.role) {
        await this.#audit(
          actor,
          'user.role_changed',
          user,
          { role: before.role },
          { role: after.role },
          trx
        )
      }
      return user
    })
  }

  /** Inactivation is how users are "deleted": history keeps pointing at them. */
  async setActive(actor: Actor, userId: number, isActive: boolean) {
    return this.#transaction(async (trx) => {
      await this.#serializeAdminChanges(trx)
      const user = await this.#lockUser(userId, trx)
      await this.#authorize(actor, 'changeStatus', user)
      if (user.isActive === isActive) return user
      if (!isActive) {
        if (actor && actor.user.id === user.id)
          throw new RuleViolationException('users.errors.self_inactivation')
        if (user.role.isAdmin) await this.#ensureAnotherActiveAdmin(user, trx)
      } else if (!user.role.isActive) {
        throw new RuleViolationException('users.errors.role_inactive_on_reactivation')
      }
      user.isActive = isActive
      await user.save()
      await this.#audit(
        actor,
        isActive ? 'user.reactivated' : 'user.inactivated',
        user,
        { isActive: !isActive },
        { isActive },
        trx
      )
      return user
    })
  }

  /** An administrator (or supervisor, for non-admins) sets someone else's new password. */
  async resetPassword(actor: Actor, userId: number, password: string) {
    return this.#transaction(async (trx) => {
      const user = await this.#lockUser(userId, trx)
      await this.#authorize(actor, 'resetPassword', user)
      user.password = password
      await user.save()
      await this.#audit(
        actor,
        'user.password_reset',
        user,
        { password: true },
        { password: true },
        trx
      )
      return user
    })
  }

  /**
   * Active roles the actor may hand out, for the role select. The user's
   * current role is always listed so the form shows what they hold.
   */
  async assignableRoles(actor: User, current?: Role) {
    const roles = await Role.query().where('is_active', true).orderBy('id')
    const bouncer = new Bouncer(actor, {}, policies).with('UserPolicy')
    const allowed = await Promise.all(roles.map((role) => bouncer.allows('assignRole', role)))
    const assignable = roles.filter((_, index) => allowed[index])
    if (current && !assignable.some((role) => role.id === current.id)) assignable.unshift(current)
    return assignable
  }

  /**
   * FOR NO KEY UPDATE rather than FOR UPDATE: rows that merely reference the
   * user (audit entries, assignments) still insert without waiting on us.
   */
  async #lockUser(userId: number, trx: TransactionClientContract) {
    const query = User.query({ client: trx }).where('id', userId)
    query.knexQuery.forNoKeyUpdate()
    const user = await query.first()
    if (!user) throw new RuleViolationException('users.errors.not_found')
    await user.load('role')
    return user
  }

  /**
   * FOR SHARE on the role row: a concurrent inactivation of the role (which
   * takes FOR UPDATE and counts its active users) waits for us, or we see it.
   */
  async #lockAssignableRole(roleId: number, trx: TransactionClientContract) {
    const role = await Role.query({ client: trx }).where('id', roleId).forShare().first()
    if (!role) throw new RuleViolationException('users.errors.role_not_found', 'roleId')
    if (!role.isActive) throw new RuleViolationException('users.errors.role_inactive', 'roleId')
    return role
  }

  /** Counts the other active administrators; callers hold #serializeAdminChanges. */
  async #ensureAnotherActiveAdmin(user: User, trx: TransactionClientContract) {
    const row = await trx
      .from('users')
      .join('roles', 'roles.id', 'users.role_id')
      .where('roles.key', Role.ADMIN)
      .where('users.is_active', true)
      .whereNot('users.id', user.id)
      .count('* as total')
      .first()
    if (Number(row?.total ?? 0) === 0) throw new RuleViolationException('users.errors.last_admin')
  }

  /**
   * Changes that may remove an active administrator (role changes,
   * inactivations) take this advisory lock before touching any row, so two
   * admins demoting each other at the same moment run one after the other and
   * the second is refused; taking it first also rules out lock-order deadlocks.
   */
  async #serializeAdminChanges(trx: TransactionClientContract) {
    await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtext(?))', [
      'chasqui:active-administrators',
    ])
  }

  async #ensureEmailFree(
    email: string,
    exceptUserId: number | null,
    trx: TransactionClientContract
  ) {
    const query = trx.from('users').whereRaw('lower(email) = ?', [email.trim().toLowerCase()])
    if (exceptUserId) query.whereNot('id', exceptUserId)
    if (await query.select('id').first())
      throw new RuleViolationException('users.errors.email_taken', 'email')
  }

  async #authorize(actor: Actor, action: UserAction, subject: User | Role) {
    if (!actor) return
    const bouncer = new Bouncer(actor.user, {}, policies).with('UserPolicy')
    // Each action takes either a user or a role; the cast only bridges Bouncer's per-action typing.
    await bouncer.authorize(action as 'edit', subject as User)
  }

  #audit(
    actor: Actor,
    action: string,
    user: User,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return auditTrail.record(
      {
        actorId: actor?.user.id ?? null,
        action,
        subjectType: 'user',
        subjectId: user.id,
        before,
        after,
        ip: actor?.ip ?? null,
      },
      trx
    )
  }

  /** The unique index on lower(email) is the last word when two creations race. */
  async #transaction<T>(work: (trx: TransactionClientContract) => Promise<T>) {
    try {
      return await db.transaction(work)
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string }
      if (pgError.code === '23505' && pgError.constraint === 'users_email_lower_unique') {
        throw new RuleViolationException('users.errors.email_taken', 'email')
      }
      throw error
    }
  }
}

/** What the audit trail keeps of a user; `password: true` only says one was set (audit redacts it). */
function snapshot(user: User, role: Role) {
  return {
    fullName: user.fullName,
    email: user.email,
    role: role.key,
    locale: user.locale,
    isActive: user.isActive,
  }
}

export default new UserManagement()
