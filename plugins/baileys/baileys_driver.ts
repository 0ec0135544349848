import type { AnyMessageContent, MiscMessageGenerationOptions } from '@whiskeysockets/baileys'
import {
  ChannelSendError,
  type ChannelCapabilities,
  type CallToReject,
  type ChannelDriver,
  type OutboundMessage,
} from '#channels/channel_driver'
import type { SessionManager } from './session_manager.js'

export const CAPABILITIES: ChannelCapabilities = {
  mediaKinds: ['text', 'image', 'document', 'audio', 'voice'],
  templates: false,
  replyWindowHours: null,
  calls: true,
  qrPairing: true,
}

/** How long connect() waits for the socket to open or show a QR before returning. */
const CONNECT_WAIT_MS = 15_000

/** The JID to send to: the phone form when known (it always reaches the person), else the LID. */
export function recipientJid(to: OutboundMessage['to']) {
  const digits = to.waId ?? to.phoneE164?.replace(/\D/g, '') ?? null
  if (digits) return `${digits}@s.whatsapp.net`
  if (to.lid) return `${to.lid}@lid`
  return null
}

/**
 * The ChannelDriver of one Baileys connection. The socket itself belongs to
 * the session that holds the connection's lease (session_manager.ts); this
 * object is a thin handle the core asks on every send.
 */
export class BaileysDriver implements ChannelDriver {
  readonly capabilities = CAPABILITIES

  constructor(
    readonly connectionId: number,
    private manager: SessionManager
  ) {}

  async connect() {
    const session = await this.manager.connect(this.connectionId)
    await session?.waitUntilSettled(CONNECT_WAIT_MS)
  }

  async disconnect() {
    await this.manager.disconnect(this.connectionId)
  }

  status() {
    return this.manager.session(this.connectionId)?.status() ?? 'disconnected'
  }

  async rejectCall(call: CallToReject) {
    const session = this.manager.session(this.connectionId)
    const callFrom = typeof call.metadata.callFrom === 'string' ? call.metadata.callFrom : null
    if (!session || !callFrom) {
      throw new Error('The call cannot be declined: the number is not connected here')
    }
    if (!(await session.rejectCall(call.callId, callFrom))) {
      throw new Error('The call cannot be declined: the number is not connected')
    }
  }

  async send(message: OutboundMessage) {
    const session = this.manager.session(this.connectionId)
    if (!session || session.status() !== 'connected') {
      throw new ChannelSendError('Not connected', {
        retryable: true,
        code: 'not_connected',
        reason: 'The WhatsApp number is not connected on this server',
        retryAfterMs: 5000,
      })
    }
    const jid = recipientJid(message.to)
    if (!jid) {
      throw new ChannelSendError('No recipient', {
        retryable: false,
        code: 'baileys_no_recipient',
        reason: 'The contact has no WhatsApp number or id',
      })
    }
    const content = await this.#content(message)
    const options: MiscMessageGenerationOptions = {}
    if (message.replyTo?.externalId) {
      const quoted = await session.store.find(message.replyTo.externalId)
      if (quoted) options.quoted = quoted
    }

    let sent
    try {
      sent = await session.send(jid, content, options)
    } catch (error) {
      throw toSendError(error)
    }
    if (!sent?.key.id) {
      throw new ChannelSendError('Not sent', {
        retryable: true,
        code: 'not_connected',
        reason: 'The WhatsApp number disconnected while sending',
      })
    }
    return { externalId: sent.key.id }
  }

  async #content(message: OutboundMessage): Promise<AnyMessageContent> {
    if (message.kind === 'text') return { text: message.body ?? '' }
    if (!CAPABILITIES.mediaKinds.includes(message.kind) || !message.media?.path) {
      throw new ChannelSendError('Unsupported kind', {
        retryable: false,
        code: 'baileys_unsupported_kind',
        reason: `This line cannot send ${message.kind} messages`,
      })
    }
    const bytes = await this.manager.media.read(message.media.path)
    const caption = message.body ?? undefined
    switch (message.kind) {
      case 'image':
        return { image: bytes, caption, mimetype: message.media.mime ?? 'image/jpeg' }
      case 'voice':
        // WhatsApp plays voice notes only as OGG/Opus with ptt (B.5).
        return { audio: bytes, ptt: true, mimetype: 'audio/ogg; codecs=opus' }
      case 'audio':
        return { audio: bytes, mimetype: message.media.mime ?? 'audio/mpeg' }
      default:
        return {
          document: bytes,
          mimetype: message.media.mime ?? 'application/pdf',
          fileName: message.media.filename ?? 'document.pdf',
          caption,
        }
    }
  }
}

/**
 * Baileys throws Booms: connection problems (408, 428, 503, no status) may
 * succeed later; a refusal about the message or recipient (400–499) will not.
 */
export function toSendError(error: unknown) {
  const boom = error as { output?: { statusCode?: number }; message?: string }
  const code = boom?.output?.statusCode
  const retryable = !code || code === 408 || code === 428 || code >= 500
  return new ChannelSendError(boom?.message ?? 'Send failed', {
    retryable,
    code: code ? String(code) : 'baileys_error',
    reason: retryable
      ? `Temporary WhatsApp error: ${boom?.message ?? 'unknown'}`
      : `WhatsApp refused the message: ${boom?.message ?? 'unknown'}`,
  })
}

/** One driver handle per connection while the plugin runs. */
export class BaileysDrivers {
  #drivers = new Map<number, BaileysDriver>()
  #manager: SessionManager | null = null

  use(manager: SessionManager | null) {
    this.#manager = manager
    this.#drivers.clear()
  }

  manager() {
    return this.#manager
  }

  for(connectionId: number) {
    if (!this.#manager) return null
    let driver = this.#drivers.get(connectionId)
    if (!driver)
      this.#drivers.set(connectionId, (driver = new BaileysDriver(connectionId, this.#manager)))
    return driver
  }
}

export default new BaileysDrivers()
