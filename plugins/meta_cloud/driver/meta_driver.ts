import { buffer } from 'node:stream/consumers'
import {
  ChannelSendError,
  type ChannelCapabilities,
  type ChannelTemplate,
  type CallToReject,
  type ChannelDriver,
  type ConnectionStatus,
  type OutboundMessage,
} from '#channels/channel_driver'
import { metaContext } from '../plugin_context.js'
import metaNumbers, { type MetaNumber } from '../numbers/meta_numbers.js'
import { GraphApiError } from '../graph/graph_client.js'
import { errorPolicy, explainError } from '../graph/error_catalog.js'
import { buildPayload, PayloadError } from './outbound_payload.js'
import { toOggOpus, needsVoiceConversion } from './voice_converter.js'
import templateSync from '../templates/template_sync.js'

export const META_CAPABILITIES: ChannelCapabilities = {
  mediaKinds: [
    'text',
    'image',
    'document',
    'audio',
    'voice',
    'video',
    'sticker',
    'location',
    'reaction',
  ],
  templates: true,
  replyWindowHours: 24,
  calls: true,
  qrPairing: false,
}

/**
 * The driver of one Meta number. Stateless towards Meta (HTTPS per call):
 * "connected" means the last check of the credentials succeeded. Sends go
 * through `POST /{phone-number-id}/messages`; media is uploaded first and
 * sent by id (A.8).
 */
export class MetaDriver implements ChannelDriver {
  readonly capabilities = META_CAPABILITIES
  #status: ConnectionStatus = 'disconnected'

  constructor(readonly connectionId: number) {}

  async #number(): Promise<MetaNumber> {
    const number = await metaNumbers.byConnection(this.connectionId)
    if (!number) {
      throw new ChannelSendError('No Meta credentials', {
        retryable: false,
        code: 'meta_not_configured',
        reason: explainError(null, 'This connection has no Meta credentials'),
      })
    }
    return number
  }

  async connect() {
    const ctx = metaContext()
    const number = await metaNumbers.byConnection(this.connectionId)
    if (!number) {
      this.#status = 'disconnected'
      await ctx.ports.ingest.connection(this.connectionId, {
        status: 'disconnected',
        reason: explainError(null, 'No Meta credentials saved'),
      })
      return
    }
    try {
      const info = await metaNumbers
        .graphFor(number)
        .get<Record<string, any>>(number.phoneNumberId, {
          fields: 'display_phone_number,verified_name',
        })
      this.#status = 'connected'
      await ctx.ports.ingest.connection(this.connectionId, {
        status: 'connected',
        phone: info.display_phone_number ?? null,
      })
    } catch (error) {
      const graph = error instanceof GraphApiError ? error : null
      this.#status = graph?.code === 190 ? 'logged_out' : 'disconnected'
      await ctx.ports.ingest.connection(this.connectionId, {
        status: this.#status,
        reason: explainError(graph?.code ?? null, graph?.details ?? (error as Error).message),
      })
    }
  }

  async disconnect() {
    this.#status = 'disconnected'
    await metaContext().ports.ingest.connection(this.connectionId, {
      status: 'disconnected',
      reason: 'Meta channel stopped',
    })
  }

  status() {
    return this.#status
  }

  /** Declines a ringing user-initiated call (A.10: `POST /{phone-number-id}/calls`, action reject). */
  async rejectCall(call: CallToReject) {
    const number = await this.#number()
    await metaNumbers.graphFor(number).post(`${number.phoneNumberId}/calls`, {
      messaging_product: 'whatsapp',
      call_id: call.callId,
      action: 'reject',
    })
  }

  /** Approved templates synced from the WABA (Settings → Meta numbers, or on save). */
  async templates(): Promise<ChannelTemplate[]> {
    const templates = await templateSync.approved(this.connectionId)
    return templates.map((t) => ({
      id: String(t.id),
      name: t.name,
      language: t.language,
      category: t.category,
      body: t.bodyText,
      parameters: t.parameters,
    }))
  }

  async send(message: OutboundMessage) {
    const number = await this.#number()
    const graph = metaNumbers.graphFor(number)
    try {
      const mediaId = message.media ? await this.#mediaId(number, message) : null
      const payload = buildPayload(message, mediaId)
      const result = await graph.post<{ messages?: { id: string }[] }>(
        `${number.phoneNumberId}/messages`,
        payload
      )
      const externalId = result.messages?.[0]?.id
      if (!externalId) {
        throw new ChannelSendError('Meta returned no message id', {
          retryable: true,
          code: 'meta_no_id',
        })
      }
      return { externalId }
    } catch (error) {
      throw await this.#toSendError(error)
    }
  }

  /** Upload then send by id (A.8); a provider id already known is reused. */
  async #mediaId(number: MetaNumber, message: OutboundMessage): Promise<string> {
    const media = message.media!
    if (media.providerMediaId) return media.providerMediaId
    if (!media.path) throw new PayloadError('Media without a stored file')
    let bytes: Buffer = await buffer(metaContext().ports.media.stream(media.path))
    let mime = media.mime ?? 'application/octet-stream'
    let filename = media.filename ?? 'file'
    if ((message.kind === 'voice' || message.kind === 'audio') && needsVoiceConversion(mime)) {
      bytes = await toOggOpus(bytes)
      mime = 'audio/ogg'
      filename = filename.replace(/\.[^.]+$/, '') + '.ogg'
    }
    const form = new FormData()
    form.set('messaging_product', 'whatsapp')
    form.set('type', mime)
    form.set('file', new Blob([new Uint8Array(bytes)], { type: mime }), filename)
    const uploaded = await metaNumbers
      .graphFor(number)
      .postForm<{ id: string }>(`${number.phoneNumberId}/media`, form)
    return uploaded.id
  }

  async #toSendError(error: unknown): Promise<ChannelSendError> {
    if (error instanceof ChannelSendError) return error
    if (error instanceof PayloadError) {
      return new ChannelSendError(error.message, {
        retryable: false,
        code: 'meta_payload',
        reason: error.message,
      })
    }
    if (!(error instanceof GraphApiError)) {
      return new ChannelSendError(String((error as Error)?.message ?? error), {
        retryable: true,
        code: 'meta_error',
      })
    }
    const policy = errorPolicy(error.code, error.httpStatus)
    const reason = explainError(error.code, error.details ?? error.message)
    if (policy.disablesConnection) await this.#takeDown(error, reason)
    return new ChannelSendError(error.message, {
      retryable: policy.retryable,
      code:
        error.code === null
          ? error.isNetwork
            ? 'network'
            : `http_${error.httpStatus}`
          : String(error.code),
      reason,
      retryAfterMs: policy.retryAfterMs ?? null,
    })
  }

  /** Token or account unusable (190, 368, 131031): the number goes down and an admin is told. */
  async #takeDown(error: GraphApiError, reason: string) {
    const ctx = metaContext()
    const previous = this.#status
    this.#status = error.code === 190 ? 'logged_out' : 'disconnected'
    await ctx.ports.ingest.connection(this.connectionId, { status: this.#status, reason })
    if (previous !== this.#status) {
      await ctx.systemEvents.record({
        level: 'critical',
        category: 'meta.connection_disabled',
        message: `Meta connection ${this.connectionId}: ${reason}`,
        context: { connectionId: this.connectionId, code: error.code, subcode: error.subcode },
      })
    }
  }
}

/** One driver per connection while the plugin runs. */
export class MetaDrivers {
  #drivers = new Map<number, MetaDriver>()

  for(connectionId: number) {
    let driver = this.#drivers.get(connectionId)
    if (!driver) this.#drivers.set(connectionId, (driver = new MetaDriver(connectionId)))
    return driver
  }

  clear() {
    this.#drivers.clear()
  }
}

export default new MetaDrivers()
