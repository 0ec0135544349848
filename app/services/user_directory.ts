import User from '#models/user'

export interface UserListFilters {
  q: string
  roleId: number | null
  status: 'active' | 'inactive' | ''
  page: number
}

const PER_PAGE = 25

/**
 * The users list: partial, case- and accent-insensitive search on name and
 * email, filters by role and state, simple page numbers (a contact center has
 * tens or hundreds of users, not millions).
 */
export class UserDirectory {
  /** Query strings come from the address bar: anything odd is ignored, never an error. */
  filtersFrom(qs: Record<string, unknown>): UserListFilters {
    const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 100) : '')
    const roleId = Number.parseInt(text(qs.role), 10)
    const page = Number.parseInt(text(qs.page), 10)
    const status = text(qs.status)
    return {
      q: text(qs.q),
      roleId: Number.isSafeInteger(roleId) && roleId > 0 ? roleId : null,
      status: status === 'active' || status === 'inactive' ? status : '',
      page: Number.isSafeInteger(page) && page > 0 ? page : 1,
    }
  }

  async search(filters: UserListFilters) {
    const query = User.query().preload('role').orderByRaw('lower(full_name)').orderBy('id')
    if (filters.q) {
      const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      query.where((where) => {
        where
          .whereRaw('unaccent(full_name) ILIKE unaccent(?)', [pattern])
          .orWhereRaw('email ILIKE ?', [pattern])
      })
    }
    if (filters.roleId) query.where('role_id', filters.roleId)
    if (filters.status) query.where('is_active', filters.status === 'active')

    const paginator = await query.paginate(filters.page, PER_PAGE)
    paginator.baseUrl('/users').queryString({
      ...(filters.q ? { q: filters.q } : {}),
      ...(filters.roleId ? { role: filters.roleId } : {}),
      ...(filters.status ? { status: filters.status } : {}),
    })
    return paginator
  }
}

export default new UserDirectory()
