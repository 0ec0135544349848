import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'
import type User from '#models/user'
import type Role from '#models/role'

/**
 * Who may manage whom. Supervisors hold `users.manage` but not
 * `users.manage_admins`, so they cannot create, edit, inactivate or reset the
 * password of administrators nor hand out the administrator role (seed 000
 * §3A). The same rule covers custom roles: without `users.manage_admins`
 * nobody may manage or hand out a role holding permissions they lack, so a
 * supervisor cannot escalate through a powerful custom role either.
 */
export default class UserPolicy extends BasePolicy {
  async viewList(actor: User): Promise<AuthorizerResponse> {
    return actor.can('users.view')
  }

  async create(actor: User, role: Role): Promise<AuthorizerResponse> {
    return this.assignRole(actor, role)
  }

  async edit(actor: User, target: User): Promise<AuthorizerResponse> {
    if (!(await actor.can('users.manage'))) return false
    if (!target.role) await target.load('role')
    return this.#mayHandle(actor, target.role)
  }

  /** Also covers inactivating and reactivating. */
  async changeStatus(actor: User, target: User): Promise<AuthorizerResponse> {
    return this.edit(actor, target)
  }

  /** One's own password goes through /account/password, which asks for the current one. */
  async resetPassword(actor: User, target: User): Promise<AuthorizerResponse> {
    if (actor.id === target.id) return false
    return this.edit(actor, target)
  }

  async assignRole(actor: User, role: Role): Promise<AuthorizerResponse> {
    if (!(await actor.can('users.manage'))) return false
    return this.#mayHandle(actor, role)
  }

  async #mayHandle(actor: User, role: Role) {
    if (await actor.can('users.manage_admins')) return true
    if (role.isAdmin) return false
    const own = await actor.permissions()
    // The role's grants, even when it is inactive: reactivating it would restore them.
    const granted = await role.permissionKeys()
    return [...granted].every((permission) => own.has(permission))
  }
}
