import {
  ChannelSendError,
  type ChannelCapabilities,
  type ChannelDriver,
  type OutboundMessage,
} from '#channels/channel_driver'

type Behaviour = (message: OutboundMessage, call: number) => Promise<string> | string

/**
 * A driver double for dispatcher tests: records every send, and answers
 * with a scripted behaviour (default: accept with a made-up provider id).
 */
export class FakeChannelDriver implements ChannelDriver {
  readonly capabilities: ChannelCapabilities = {
    mediaKinds: ['text', 'image', 'document', 'audio', 'voice'],
    templates: false,
    replyWindowHours: null,
    calls: false,
    qrPairing: false,
  }

  readonly sent: OutboundMessage[] = []
  #behaviour: Behaviour

  constructor(behaviour?: Behaviour) {
    this.#behaviour = behaviour ?? ((message) => `ext-${message.messageId}-${message.attempt}`)
  }

  behave(behaviour: Behaviour) {
    this.#behaviour = behaviour
  }

  async connect() {}
  async disconnect() {}
  status() {
    return 'connected' as const
  }

  async send(message: OutboundMessage) {
    this.sent.push(message)
    return { externalId: await this.#behaviour(message, this.sent.length) }
  }

  callsFor(messageId: number) {
    return this.sent.filter((message) => message.messageId === messageId).length
  }
}

export const retryable = (code = '130429', retryAfterMs?: number) =>
  new ChannelSendError('rate limited', {
    retryable: true,
    code,
    reason: 'Rate limit hit',
    retryAfterMs,
  })

export const fatal = (code = '131026', reason = 'Message undeliverable') =>
  new ChannelSendError(reason, { retryable: false, code, reason })
