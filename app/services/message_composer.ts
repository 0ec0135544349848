import outbound, { OutboundError } from '#channels/outbound_service'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import Message from '#models/message'
import mediaUploads, { type ClaimedUpload } from '#services/media_uploads'
import channelCapabilities from '#services/channel_capabilities'
import Conversation from '#models/conversation'
import replyWindow from '#services/reply_window'

/** Any web address: http(s)://… or www.… (R-MSG-2: links are never sent). */
const LINK = /(https?:\/\/|\bwww\.)/i
export const MAX_BODY_LENGTH = 4096
/** WhatsApp's limit for a media caption. */
export const MAX_CAPTION_LENGTH = 1024

export interface ComposeInput {
  conversationId: number
  authorUserId: number
  clientId?: string | null
  /** 'text' goes to the customer; 'note' is a private note that never leaves the app. */
  mode: 'text' | 'note'
  body?: string | null
  /** An upload token from POST /media/uploads: the message carries that file, `body` is its caption. */
  mediaToken?: string | null
}

/**
 * What an agent types in the composer, checked against the messaging rules
 * and handed to the outbound service. Refusals are translated rule
 * violations on the `body` field; nothing is stored when one is thrown.
 */
export class MessageComposer {
  async send(input: ComposeInput) {
    const body = input.body?.trim() ?? ''
    if (input.mode !== 'note') await this.#assertWindowOpen(input.conversationId)
    if (input.mediaToken) return this.#sendMedia(input, input.mediaToken, body)
    if (!body) throw new RuleViolationException('inbox.errors.empty', 'body')
    if (body.length > MAX_BODY_LENGTH) {
      throw new RuleViolationException('inbox.errors.too_long', 'body', { max: MAX_BODY_LENGTH })
    }
    // Notes too: one rule for everything typed in the composer, and a note is often pasted on.
    if (LINK.test(body)) {
      throw new RuleViolationException('inbox.errors.links_refused', 'body')
    }
    try {
      return await outbound.submit({
        conversationId: input.conversationId,
        authorUserId: input.authorUserId,
        clientId: input.clientId,
        kind: input.mode,
        body,
      })
    } catch (error) {
      throw translated(error)
    }
  }

  /**
   * A media message: the upload is claimed (one use, its owner only) and
   * given back if the message is refused, so correcting the caption never
   * means uploading again.
   */
  async #sendMedia(input: ComposeInput, token: string, caption: string) {
    if (input.mode === 'note')
      throw new RuleViolationException('media.errors.note_attachment', 'body')
    if (caption.length > MAX_CAPTION_LENGTH) {
      throw new RuleViolationException('media.errors.caption_too_long', 'body', {
        max: MAX_CAPTION_LENGTH,
      })
    }
    if (LINK.test(caption)) throw new RuleViolationException('inbox.errors.links_refused', 'body')
    const claimed = await mediaUploads.claim(token, input.authorUserId)
    if (!claimed) {
      // A retried POST of a send that went through: its token is spent, its message exists.
      const earlier = input.clientId
        ? await this.#earlier(input.authorUserId, input.clientId)
        : null
      if (earlier) return { message: earlier, created: false }
      throw new RuleViolationException('media.errors.upload_expired', 'body')
    }
    try {
      await this.#assertChannelSends(input.conversationId, claimed)
      return await outbound.submit({
        conversationId: input.conversationId,
        authorUserId: input.authorUserId,
        clientId: input.clientId,
        kind: claimed.kind,
        body: caption || null,
        media: claimed.media,
      })
    } catch (error) {
      await mediaUploads.release(claimed)
      throw translated(error)
    }
  }

  /** R-MSG-8: outside the channel's reply window only templates go out (notes always may). */
  async #assertWindowOpen(conversationId: number) {
    const conversation = await Conversation.find(conversationId)
    if (conversation && !(await replyWindow.of(conversation)).open) {
      throw new RuleViolationException('reply_window.errors.window_closed', 'body')
    }
  }

  async #assertChannelSends(conversationId: number, claimed: ClaimedUpload) {
    const kinds = await channelCapabilities.mediaKindsOf(conversationId)
    // No running driver (plugin stopped): the message waits in the outbox like any other.
    if (kinds && !kinds.includes(claimed.kind)) {
      throw new RuleViolationException('media.errors.kind_unsupported', 'body')
    }
  }

  #earlier(authorUserId: number, clientId: string) {
    return Message.query()
      .where('author_user_id', authorUserId)
      .where('client_id', clientId.trim().slice(0, 64))
      .first()
  }
}

function translated(error: unknown) {
  if (error instanceof OutboundError) {
    return new RuleViolationException(`inbox.errors.${error.code}`, 'body', error.details)
  }
  return error
}

export default new MessageComposer()
