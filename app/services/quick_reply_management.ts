import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import QuickReply from '#models/quick_reply'
import auditTrail from '#services/audit_trail'
import quickReplyRenderer, { QUICK_REPLY_VARIABLES } from '#services/quick_reply_renderer'
import type { Actor } from '#services/user_management'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

export interface QuickReplyInput {
  shortcut: string
  title: string
  body: string
}

export interface QuickReplyFilters {
  q: string
  status: 'active' | 'inactive' | 'all'
}

/**
 * Quick replies (R-MSG-4): a shortcut (unique among active replies, as the
 * partial unique index says), a title and a body whose {{variables}} come from
 * a fixed list. Inactivated and reactivated, never deleted.
 */
export class QuickReplyManagement {
  filtersFrom(qs: Record<string, unknown>): QuickReplyFilters {
    const status = qs.status === 'inactive' || qs.status === 'all' ? qs.status : 'active'
    return { q: typeof qs.q === 'string' ? qs.q.trim().slice(0, 100) : '', status }
  }

  async list(filters: QuickReplyFilters) {
    const query = QuickReply.query().preload('creator').orderBy('shortcut').orderBy('id')
    if (filters.status !== 'all') query.where('is_active', filters.status === 'active')
    if (filters.q) {
      const like = `%${filters.q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`
      query.where((where) => {
        where
          .whereRaw(`lower(shortcut) like ? escape '\\'`, [like])
          .orWhereRaw(`lower(title) like ? escape '\\'`, [like])
          .orWhereRaw(`lower(body) like ? escape '\\'`, [like])
      })
    }
    return query
  }

  async create(actor: Actor, input: QuickReplyInput) {
    this.#ensureKnownVariables(input.body)
    return this.#transaction(async (trx) => {
      await this.#ensureShortcutFree(input.shortcut, null, trx)
      const reply = await QuickReply.create(
        { ...input, isActive: true, createdBy: actor?.user.id ?? null },
        { client: trx }
      )
      await this.#audit(actor, 'quick_reply.created', reply, null, snapshot(reply), trx)
      return reply
    })
  }

  async update(actor: Actor, replyId: number, input: QuickReplyInput) {
    this.#ensureKnownVariables(input.body)
    return this.#transaction(async (trx) => {
      const reply = await this.#lock(replyId, trx)
      if (reply.isActive) await this.#ensureShortcutFree(input.shortcut, reply.id, trx)
      const before = snapshot(reply)
      reply.merge(input)
      await reply.save()
      await this.#audit(actor, 'quick_reply.updated', reply, before, snapshot(reply), trx)
      return reply
    })
  }

  async setActive(actor: Actor, replyId: number, isActive: boolean) {
    return this.#transaction(async (trx) => {
      const reply = await this.#lock(replyId, trx)
      if (reply.isActive === isActive) return reply
      // Inactivating frees the shortcut; reactivating needs it back.
      if (isActive) await this.#ensureShortcutFree(reply.shortcut, reply.id, trx, false)
      reply.isActive = isActive
      await reply.save()
      await this.#audit(
        actor,
        isActive ? 'quick_reply.reactivated' : 'quick_reply.inactivated',
        reply,
        { isActive: !isActive },
        { isActive },
        trx
      )
      return reply
    })
  }

  #ensureKnownVariables(body: string) {
    const unknown = quickReplyRenderer.unknownVariables(body)
    if (unknown.length) {
      throw new RuleViolationException('quick_replies.errors.unknown_variables', 'body', {
        count: unknown.length,
        names: unknown.map((name) => `{{${name}}}`).join(', '),
        allowed: QUICK_REPLY_VARIABLES.map((name) => `{{${name}}}`).join(', '),
      })
    }
  }

  async #lock(replyId: number, trx: TransactionClientContract) {
    const reply = await QuickReply.query({ client: trx }).where('id', replyId).forUpdate().first()
    if (!reply) throw new RuleViolationException('quick_replies.errors.not_found')
    return reply
  }

  async #ensureShortcutFree(
    shortcut: string,
    exceptId: number | null,
    trx: TransactionClientContract,
    onField = true
  ) {
    const query = trx
      .from('quick_replies')
      .where('is_active', true)
      .whereRaw('lower(shortcut) = lower(?)', [shortcut])
    if (exceptId) query.whereNot('id', exceptId)
    if (await query.select('id').first()) {
      throw new RuleViolationException(
        onField ? 'quick_replies.errors.shortcut_taken' : 'quick_replies.errors.shortcut_in_use',
        onField ? 'shortcut' : undefined,
        { shortcut }
      )
    }
  }

  #audit(
    actor: Actor,
    action: string,
    reply: QuickReply,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return auditTrail.record(
      {
        actorId: actor?.user.id ?? null,
        action,
        subjectType: 'quick_reply',
        subjectId: reply.id,
        before,
        after,
        ip: actor?.ip ?? null,
      },
      trx
    )
  }

  /** Two managers saving the same shortcut at once: the partial unique index decides. */
  async #transaction<T>(work: (trx: TransactionClientContract) => Promise<T>) {
    try {
      return await db.transaction(work)
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new RuleViolationException('quick_replies.errors.shortcut_taken', 'shortcut')
      throw error
    }
  }
}

function snapshot(reply: QuickReply) {
  return {
    shortcut: reply.shortcut,
    title: reply.title,
    body: reply.body,
    isActive: reply.isActive,
  }
}

export default new QuickReplyManagement()
