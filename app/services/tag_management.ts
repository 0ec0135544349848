import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Tag from '#models/tag'
import Role from '#models/role'
import auditTrail from '#services/audit_trail'
import type { Actor } from '#services/user_management'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export interface TagInput {
  name: string
  color: string
  description?: string | null
  /** Roles that may see the tag; empty means every role (as conversation_search reads tag_roles). */
  roleIds?: number[]
}

export type TagStatusFilter = 'active' | 'inactive' | 'all'

/**
 * Tags (R-TG-1): created, edited (name unique case-insensitively), inactivated
 * and reactivated — never deleted, conversations keep their history. The
 * roles that may see a tag live in tag_roles; none means visible to all.
 */
export class TagManagement {
  statusFrom(qs: Record<string, unknown>): TagStatusFilter {
    return qs.status === 'inactive' || qs.status === 'all' ? qs.status : 'active'
  }

  async list(status: TagStatusFilter) {
    const query = Tag.query().preload('roles').orderByRaw('lower(name)')
    if (status !== 'all') query.where('is_active', status === 'active')
    return query
  }

  /** The roles offered as checkboxes (active ones, plus any the tag already names). */
  async selectableRoles() {
    return Role.query().orderBy('id')
  }

  async create(actor: Actor, input: TagInput) {
    return this.#transaction(async (trx) => {
      await this.#ensureNameFree(input.name, null, trx)
      const roleIds = await this.#validRoleIds(input.roleIds ?? [], trx)
      const tag = await Tag.create(
        {
          name: input.name,
          color: input.color.toLowerCase(),
          description: input.description || null,
          isActive: true,
        },
        { client: trx }
      )
      if (roleIds.length) await tag.related('roles').attach(roleIds, trx)
      await this.#audit(actor, 'tag.created', tag, null, snapshot(tag, roleIds), trx)
      return tag
    })
  }

  async update(actor: Actor, tagId: number, input: TagInput) {
    return this.#transaction(async (trx) => {
      const tag = await this.#lock(tagId, trx)
      await this.#ensureNameFree(input.name, tag.id, trx)
      const roleIdsBefore = await this.#roleIdsOf(tag.id, trx)
      const roleIds = await this.#validRoleIds(input.roleIds ?? [], trx)
      const before = snapshot(tag, roleIdsBefore)
      tag.merge({
        name: input.name,
        color: input.color.toLowerCase(),
        description: input.description || null,
      })
      await tag.save()
      await tag.related('roles').sync(roleIds, true, trx)
      await this.#audit(actor, 'tag.updated', tag, before, snapshot(tag, roleIds), trx)
      return tag
    })
  }

  async setActive(actor: Actor, tagId: number, isActive: boolean) {
    return this.#transaction(async (trx) => {
      const tag = await this.#lock(tagId, trx)
      if (tag.isActive === isActive) return tag
      tag.isActive = isActive
      await tag.save()
      await this.#audit(
        actor,
        isActive ? 'tag.reactivated' : 'tag.inactivated',
        tag,
        { isActive: !isActive },
        { isActive },
        trx
      )
      return tag
    })
  }

  async #lock(tagId: number, trx: TransactionClientContract) {
    const tag = await Tag.query({ client: trx }).where('id', tagId).forUpdate().first()
    if (!tag) throw new RuleViolationException('tags.errors.not_found')
    return tag
  }

  async #ensureNameFree(name: string, exceptId: number | null, trx: TransactionClientContract) {
    const query = trx.from('tags').whereRaw('lower(name) = lower(?)', [name])
    if (exceptId) query.whereNot('id', exceptId)
    if (await query.select('id').first())
      throw new RuleViolationException('tags.errors.name_taken', 'name')
  }

  async #roleIdsOf(tagId: number, trx: TransactionClientContract) {
    const rows = await trx.from('tag_roles').where('tag_id', tagId).select('role_id')
    return rows.map((row) => Number(row.role_id)).sort((a, b) => a - b)
  }

  /** Only ids of existing roles; a forged id is refused rather than silently dropped. */
  async #validRoleIds(roleIds: number[], trx: TransactionClientContract) {
    const unique = [...new Set(roleIds)].sort((a, b) => a - b)
    if (!unique.length) return unique
    const rows = await trx.from('roles').whereIn('id', unique).select('id')
    if (rows.length !== unique.length)
      throw new RuleViolationException('tags.errors.unknown_role', 'roleIds')
    return unique
  }

  #audit(
    actor: Actor,
    action: string,
    tag: Tag,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return auditTrail.record(
      {
        actorId: actor?.user.id ?? null,
        action,
        subjectType: 'tag',
        subjectId: tag.id,
        before,
        after,
        ip: actor?.ip ?? null,
      },
      trx
    )
  }

  /** Two admins creating the same name at once: the unique lower(name) index decides. */
  async #transaction<T>(work: (trx: TransactionClientContract) => Promise<T>) {
    try {
      return await db.transaction(work)
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new RuleViolationException('tags.errors.name_taken', 'name')
      throw error
    }
  }
}

function snapshot(tag: Tag, roleIds: number[]) {
  return {
    name: tag.name,
    color: tag.color,
    description: tag.description,
    isActive: tag.isActive,
    roleIds,
  }
}

export default new TagManagement()
