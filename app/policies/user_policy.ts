import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'
import type User from '#models/user'
import type Role from '#models/role'

/**
 * Who may manage whom. Supervisors hold `users.manage` but not
 * `users.manage_admins`, so they cannot create, edit or inactivate
 * administrators nor hand out the administrator role (seed 000 §3A).
 */
export default class UserPolicy extends BasePolicy {
  async viewList(actor: User): Promise<AuthorizerResponse> {
    return actor.can('users.view')
  }

  async create(actor: User, role: Role): Promise<AuthorizerResponse> {
    if (!(await actor.can('users.manage'))) return false
    return role.isAdmin ? actor.can('users.manage_admins') : true
  }

  async edit(actor: User, target: User): Promise<AuthorizerResponse> {
    if (!(await actor.can('users.manage'))) return false
    return (await target.isAdmin()) ? actor.can('users.manage_admins') : true
  }

  async assignRole(actor: User, role: Role): Promise<AuthorizerResponse> {
    return this.create(actor, role)
  }
}
