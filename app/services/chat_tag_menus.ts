import type User from '#models/user'
import chatTagging, { type ChatTag } from '#services/chat_tagging'

interface Catalog {
  /** Every tag the user's role may see, active or not, by id. */
  byId: Map<number, ChatTag>
  /** The active ones, by name: what may be applied. */
  offered: ChatTag[]
  canTag: boolean
}

/**
 * What the chat screen's tag bar and message tag strips show for one viewer.
 * The tag catalog is read once per request (the user object lives for one
 * request), so a timeline page of messages costs one query, plus the
 * message tags preloaded with the page.
 */
export class ChatTagMenus {
  #catalogs = new WeakMap<User, Promise<Catalog>>()

  catalog(user: User) {
    let catalog = this.#catalogs.get(user)
    if (!catalog) {
      catalog = this.#load(user)
      this.#catalogs.set(user, catalog)
    }
    return catalog
  }

  /** The chat's tags (inactive dimmed, never offered) and the tags that can still be added. */
  async forConversation(conversationId: number, user: User) {
    const [catalog, applied] = await Promise.all([
      this.catalog(user),
      chatTagging.ofConversation(conversationId, await chatTagging.viewerOf(user)),
    ])
    return menu(catalog, applied)
  }

  /** The same for one message; uses the tag ids the timeline attached (`$extras.tagIds`) when present. */
  async forMessage(message: { id: number; $extras?: Record<string, any> }, user: User) {
    const catalog = await this.catalog(user)
    const tagIds: number[] | undefined = message.$extras?.tagIds
    const applied = tagIds
      ? tagIds.map((id) => catalog.byId.get(id)).filter((tag) => tag !== undefined)
      : await chatTagging.ofMessage(message.id, await chatTagging.viewerOf(user))
    applied.sort((a, b) => a.name.localeCompare(b.name))
    return menu(catalog, applied)
  }

  async #load(user: User): Promise<Catalog> {
    const viewer = await chatTagging.viewerOf(user)
    const choices = await chatTagging.visibleTags(viewer)
    const all = [...choices.active, ...choices.inactive]
    return {
      byId: new Map(all.map((tag) => [tag.id, tag])),
      offered: choices.active,
      canTag: viewer.permissions.has('chats.tag'),
    }
  }
}

function menu(catalog: Catalog, applied: ChatTag[]) {
  const taken = new Set(applied.map((tag) => tag.id))
  return {
    applied,
    offered: catalog.canTag ? catalog.offered.filter((tag) => !taken.has(tag.id)) : [],
    canTag: catalog.canTag,
  }
}

export default new ChatTagMenus()
