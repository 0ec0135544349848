import {
  ChannelSendError,
  type ChannelCapabilities,
  type CallToReject,
  type ChannelDriver,
  type ConnectionStatus,
  type OutboundMessage,
} from '#channels/channel_driver'
import { sandboxContext } from './plugin_context.js'
import phone from './sandbox_phone.js'
import calls from './sandbox_calls.js'

const CAPABILITIES: ChannelCapabilities = {
  mediaKinds: ['text', 'image', 'document', 'audio', 'voice'],
  templates: false,
  replyWindowHours: null,
  calls: true,
  qrPairing: false,
}

/**
 * The driver of one sandbox connection: "delivers" to the customer's phone
 * in the plugin's own tables. The core marks the message sent when send()
 * returns; the phone reports delivered after `deliveryDelayMs` and read
 * when the customer opens the chat. Calls come from the phone's "Llamar"
 * button (sandbox_calls.ts); declining one shows "rejected" on the phone.
 */
export class SandboxDriver implements ChannelDriver {
  readonly capabilities = CAPABILITIES
  #status: ConnectionStatus = 'disconnected'
  #timers = new Set<NodeJS.Timeout>()

  constructor(readonly connectionId: number) {}

  async connect() {
    this.#status = 'connected'
    await sandboxContext().ports.ingest.connection(this.connectionId, { status: 'connected' })
  }

  async disconnect() {
    this.#status = 'disconnected'
    this.stopTimers()
    await sandboxContext().ports.ingest.connection(this.connectionId, {
      status: 'disconnected',
      reason: 'sandbox stopped',
    })
  }

  status() {
    return this.#status
  }

  async send(message: OutboundMessage) {
    const failure = await phone.takeFailure(this.connectionId)
    if (failure) {
      throw new ChannelSendError(`Simulated ${failure} failure`, {
        retryable: failure === 'retryable',
        code: `sandbox_${failure}`,
        reason:
          failure === 'retryable' ? 'Simulated temporary failure' : 'Simulated permanent failure',
      })
    }
    if (!CAPABILITIES.mediaKinds.includes(message.kind)) {
      throw new ChannelSendError('Unsupported kind', {
        retryable: false,
        code: 'sandbox_unsupported_kind',
        reason: `The sandbox does not send ${message.kind} messages`,
      })
    }
    if (message.kind !== 'text' && !message.media?.path) {
      throw new ChannelSendError('Missing file', {
        retryable: false,
        code: 'sandbox_missing_media',
        reason: 'The file of this message is missing',
      })
    }
    const to = message.to.phoneE164 ?? (message.to.waId ? `+${message.to.waId}` : null)
    if (!to) {
      throw new ChannelSendError('No phone', {
        retryable: false,
        code: 'sandbox_no_phone',
        reason: 'The contact has no phone number',
      })
    }
    const customer = await phone.customerFor(this.connectionId, { phone: to })
    const externalId = await phone.receive(
      this.connectionId,
      customer,
      message.kind,
      message.body,
      message.kind === 'text' ? null : message.media
    )
    this.#later(sandboxContext().settings.get().deliveryDelayMs, () =>
      phone.report(this.connectionId, externalId, 'delivered')
    )
    return { externalId }
  }

  async rejectCall(call: CallToReject) {
    await calls.reject(this.connectionId, call.callId)
  }

  #later(ms: number, work: () => Promise<unknown>) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      work().catch((error) =>
        sandboxContext().logger.warn({ err: error }, 'sandbox receipt failed')
      )
    }, ms)
    timer.unref()
    this.#timers.add(timer)
  }

  stopTimers() {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }
}

/** One driver per connection while the plugin runs. */
export class SandboxDrivers {
  #drivers = new Map<number, SandboxDriver>()

  for(connectionId: number) {
    let driver = this.#drivers.get(connectionId)
    if (!driver) this.#drivers.set(connectionId, (driver = new SandboxDriver(connectionId)))
    return driver
  }

  /** Forget every driver (deactivate): no timer survives the plugin. */
  clear() {
    for (const driver of this.#drivers.values()) driver.stopTimers()
    this.#drivers.clear()
    calls.stopTimers()
  }
}

export default new SandboxDrivers()
