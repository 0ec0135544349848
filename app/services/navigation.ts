import type User from '#models/user'

/**
 * Entries of the main navigation, contributed by the core and by plugins and
 * filtered per user by permission (and, for plugins, by being enabled).
 */
export interface NavEntry {
  key: string
  label: { es: string; en: string }
  href: string
  icon?: string
  /** The user needs one of these permissions to see the entry. */
  permissions?: string[]
  order?: number
  /** Extra visibility rule (a plugin entry disappears while the plugin is disabled). */
  when?: () => boolean
}

export class Navigation {
  #entries = new Map<string, NavEntry>()

  add(entry: NavEntry) {
    this.#entries.set(entry.key, entry)
  }

  remove(key: string) {
    this.#entries.delete(key)
  }

  async for(user: User, locale: string) {
    const permissions = await user.permissions()
    return [...this.#entries.values()]
      .filter((entry) => !entry.when || entry.when())
      .filter((entry) => !entry.permissions || entry.permissions.some((p) => permissions.has(p)))
      .sort((a, b) => (a.order ?? 100) - (b.order ?? 100))
      .map((entry) => ({
        key: entry.key,
        href: entry.href,
        icon: entry.icon,
        label: locale === 'en' ? entry.label.en : entry.label.es,
      }))
  }
}

const navigation = new Navigation()
export default navigation
