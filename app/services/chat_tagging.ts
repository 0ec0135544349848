import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type User from '#models/user'
import auditTrail from '#services/audit_trail'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { whereTagVisible, type TagAudience } from '#services/tag_visibility'
import '#events/tagging_events'

/** A tag as the chat screen shows it; inactive ones only where already applied. */
export interface ChatTag {
  id: number
  name: string
  color: string
  isActive: boolean
}

export type TagViewer = TagAudience

export interface TaggingActor {
  user: User
  ip?: string | null
}

type Target = { kind: 'conversation'; id: number } | { kind: 'message'; id: number }

/**
 * Tagging chats and single messages from the chat screen (R-TG-2).
 *
 * Only active tags the actor's role may see are offered or accepted; tags
 * already applied stay shown (dimmed when inactive) and can be removed.
 * Adding a tag already there, or removing one that is not, changes nothing
 * (no audit entry, no signal): two agents clicking at once end up with one row.
 */
export class ChatTagging {
  async viewerOf(user: User): Promise<TagViewer> {
    return { roleId: user.roleId, permissions: await user.permissions() }
  }

  /** Every tag the viewer may see: the active ones may be applied, the inactive only shown. */
  async visibleTags(viewer: TagViewer) {
    const query = db.from('tags as t')
    whereTagVisible(query, viewer)
    const tags = (
      await query.orderByRaw('lower(t.name)').select('t.id', 't.name', 't.color', 't.is_active')
    ).map(toTag)
    return {
      active: tags.filter((tag) => tag.isActive),
      inactive: tags.filter((tag) => !tag.isActive),
    }
  }

  /** The chat's tags the viewer may see, inactive ones included. */
  async ofConversation(conversationId: number, viewer: TagViewer): Promise<ChatTag[]> {
    const query = db
      .from('conversation_tags as ct')
      .join('tags as t', 't.id', 'ct.tag_id')
      .where('ct.conversation_id', conversationId)
    whereTagVisible(query, viewer)
    return (
      await query.orderByRaw('lower(t.name)').select('t.id', 't.name', 't.color', 't.is_active')
    ).map(toTag)
  }

  /** The message's tags the viewer may see, inactive ones included. */
  async ofMessage(messageId: number, viewer: TagViewer): Promise<ChatTag[]> {
    return (await this.ofMessages([messageId], viewer)).get(messageId) ?? []
  }

  /** Tags of several messages at once (a timeline page), by message id. */
  async ofMessages(messageIds: number[], viewer: TagViewer) {
    const byMessage = new Map<number, ChatTag[]>()
    if (!messageIds.length) return byMessage
    const query = db
      .from('message_tags as mt')
      .join('tags as t', 't.id', 'mt.tag_id')
      .whereIn('mt.message_id', messageIds)
    whereTagVisible(query, viewer)
    const rows = await query
      .orderByRaw('lower(t.name)')
      .select('mt.message_id', 't.id', 't.name', 't.color', 't.is_active')
    for (const row of rows) {
      const id = Number(row.message_id)
      byMessage.set(id, [...(byMessage.get(id) ?? []), toTag(row)])
    }
    return byMessage
  }

  /**
   * Puts each message's tag ids in `$extras.tagIds` with one query (a timeline
   * page). Lucid's many-to-many preload cannot do it: message ids are numbers
   * in the model but bigint strings in the pivot, and it matches with ===.
   */
  async attachTagIds(messages: { id: number; $extras: Record<string, any> }[]) {
    if (!messages.length) return
    const rows = await db
      .from('message_tags')
      .whereIn(
        'message_id',
        messages.map((message) => message.id)
      )
      .select('message_id', 'tag_id')
    const byMessage = new Map<number, number[]>()
    for (const row of rows) {
      const id = Number(row.message_id)
      byMessage.set(id, [...(byMessage.get(id) ?? []), Number(row.tag_id)])
    }
    for (const message of messages) message.$extras.tagIds = byMessage.get(Number(message.id)) ?? []
  }

  tagConversation(actor: TaggingActor, conversationId: number, tagId: number) {
    return this.#add(actor, { kind: 'conversation', id: conversationId }, tagId, conversationId)
  }

  untagConversation(actor: TaggingActor, conversationId: number, tagId: number) {
    return this.#remove(actor, { kind: 'conversation', id: conversationId }, tagId, conversationId)
  }

  tagMessage(actor: TaggingActor, message: MessageRef, tagId: number) {
    return this.#add(actor, { kind: 'message', id: message.id }, tagId, message.conversationId)
  }

  untagMessage(actor: TaggingActor, message: MessageRef, tagId: number) {
    return this.#remove(actor, { kind: 'message', id: message.id }, tagId, message.conversationId)
  }

  async #add(actor: TaggingActor, target: Target, tagId: number, conversationId: number) {
    const viewer = await this.viewerOf(actor.user)
    const changed = await db.transaction(async (trx) => {
      const tagQuery = trx.from('tags as t').where('t.id', tagId).where('t.is_active', true)
      whereTagVisible(tagQuery, viewer)
      const tag = await tagQuery.select('t.id', 't.name').first()
      if (!tag) throw new RuleViolationException('tagging.errors.tag_unavailable', 'tagId')
      const { table, column } = pivotOf(target)
      const inserted = await trx
        .insertQuery()
        .table(table)
        .insert({ [column]: target.id, tag_id: tagId, created_by: actor.user.id })
        .onConflict([column, 'tag_id'])
        .ignore()
        .returning('tag_id')
      if (!inserted.length) return false
      await this.#audit(actor, target, 'tag_added', { id: tagId, name: tag.name }, trx)
      return true
    })
    if (changed) await signal(conversationId, target)
    return changed
  }

  async #remove(actor: TaggingActor, target: Target, tagId: number, conversationId: number) {
    const viewer = await this.viewerOf(actor.user)
    const changed = await db.transaction(async (trx) => {
      // Inactive tags can still be taken off; a tag the role may not see cannot.
      const tagQuery = trx.from('tags as t').where('t.id', tagId)
      whereTagVisible(tagQuery, viewer)
      const tag = await tagQuery.select('t.id', 't.name').first()
      if (!tag) throw new RuleViolationException('tagging.errors.tag_unavailable', 'tagId')
      const { table, column } = pivotOf(target)
      const removed = await trx
        .from(table)
        .where(column, target.id)
        .where('tag_id', tagId)
        .delete()
        .returning('tag_id')
      if (!removed.length) return false
      await this.#audit(actor, target, 'tag_removed', { id: tagId, name: tag.name }, trx)
      return true
    })
    if (changed) await signal(conversationId, target)
    return changed
  }

  #audit(
    actor: TaggingActor,
    target: Target,
    verb: 'tag_added' | 'tag_removed',
    tag: { id: number; name: string },
    trx: TransactionClientContract
  ) {
    const entry = { tagId: Number(tag.id), tagName: tag.name }
    return auditTrail.record(
      {
        actorId: actor.user.id,
        action: `${target.kind}.${verb}`,
        subjectType: target.kind,
        subjectId: target.id,
        before: verb === 'tag_removed' ? entry : null,
        after: verb === 'tag_added' ? entry : null,
        ip: actor.ip ?? null,
      },
      trx
    )
  }
}

export interface MessageRef {
  id: number
  conversationId: number
}

function pivotOf(target: Target) {
  return target.kind === 'conversation'
    ? { table: 'conversation_tags', column: 'conversation_id' }
    : { table: 'message_tags', column: 'message_id' }
}

function toTag(row: Record<string, any>): ChatTag {
  return {
    id: Number(row.id),
    name: row.name,
    color: row.color,
    isActive: row.is_active === true,
  }
}

/** After commit: a failing listener is logged, never the tagger's error. */
async function signal(conversationId: number, target: Target) {
  try {
    await emitter.emit('conversation:tagged', {
      conversationId,
      messageId: target.kind === 'message' ? target.id : null,
    })
  } catch (error) {
    logger.error(
      { err: error, event: 'conversation:tagged' },
      'a listener of a domain event failed'
    )
  }
}

export default new ChatTagging()
