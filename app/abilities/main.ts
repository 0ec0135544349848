/*
| Bouncer abilities. Route-level checks go through the `can` middleware and
| `hasPermission`; object-level rules (who may edit whom) live in policies.
*/
import { Bouncer } from '@adonisjs/bouncer'
import type User from '#models/user'

export const hasPermission = Bouncer.ability(async (user: User, permission: string) => {
  return user.isActive && (await user.can(permission))
})
