/**
 * Every action in Chasqui is a named permission. The core and each plugin
 * register theirs (with a Spanish and English label and the system roles that
 * get it on a fresh install); the role × permission matrix stores grants.
 */
export type SystemRoleKey = 'admin' | 'supervisor' | 'agent'

export interface PermissionDefinition {
  key: string
  group: string
  label: { es: string; en: string }
  /** System roles granted this permission the first time it is seen. */
  defaults: SystemRoleKey[]
  /** Registered by a plugin (its key), or by the core. */
  source?: string
}

export class PermissionRegistry {
  #permissions = new Map<string, PermissionDefinition>()

  register(definition: PermissionDefinition) {
    const existing = this.#permissions.get(definition.key)
    if (existing && existing.source !== definition.source) {
      throw new Error(
        `Permission "${definition.key}" is registered twice (by ${existing.source ?? 'core'} and ${definition.source ?? 'core'})`
      )
    }
    this.#permissions.set(definition.key, definition)
  }

  has(key: string) {
    return this.#permissions.has(key)
  }

  get(key: string) {
    return this.#permissions.get(key)
  }

  all() {
    return [...this.#permissions.values()]
  }

  /** Permissions grouped for the matrix page, in registration order. */
  grouped() {
    const groups = new Map<string, PermissionDefinition[]>()
    for (const permission of this.#permissions.values()) {
      if (!groups.has(permission.group)) groups.set(permission.group, [])
      groups.get(permission.group)!.push(permission)
    }
    return groups
  }
}

const permissionRegistry = new PermissionRegistry()
export default permissionRegistry
