/** Who looks at tags: their role decides which tags exist for them (R-TG-3). */
export interface TagAudience {
  roleId?: number | null
  permissions: ReadonlySet<string>
}

/** Any knex-like builder (database or model query) that can take nested where clauses. */
interface WhereBuilder {
  where(callback: (query: any) => void): any
}

/**
 * The one rule for hidden tags, applied inside the queries that read tags
 * (chat rows, the tag filter and its choices, the conversation, exports):
 * a tag without `tag_roles` rows is visible to every role, otherwise only to
 * the roles listed. Tag managers (tags.manage) see every tag, since they
 * decide who sees what. `alias` is the tags table's name or alias in `query`.
 */
export function whereTagVisible<Query extends WhereBuilder>(
  query: Query,
  viewer: TagAudience,
  alias = 't'
): Query {
  if (viewer.permissions.has('tags.manage')) return query
  query.where((visible: any) => {
    visible.whereNotExists((sub: any) =>
      sub.from('tag_roles as tvr').whereRaw(`tvr.tag_id = ${alias}.id`)
    )
    if (viewer.roleId) {
      visible.orWhereExists((sub: any) =>
        sub
          .from('tag_roles as tvr')
          .whereRaw(`tvr.tag_id = ${alias}.id`)
          .where('tvr.role_id', viewer.roleId!)
      )
    }
  })
  return query
}
