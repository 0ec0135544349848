import { createHash, createHmac, randomBytes } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { graphError, webhookError } from './graph_errors.js'

/*
| A local stand-in for Meta's Graph API (WhatsApp Cloud API), written from
| CONTRACTS.md Part A: the endpoints the plugin uses, the documented error
| envelope and limits, and signed webhooks posted back to Chasqui. Used by
| the tests, the benchmark and `npm run ace -- meta_cloud:fake` for local
| trials. It never looks at how the plugin is written.
*/

export interface FakeNumber {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
  /** Digits only, as webhooks carry it (A.0). */
  displayPhoneNumber: string
  verifiedName: string
  qualityRating?: 'GREEN' | 'YELLOW' | 'RED'
  /** Simulates an expired token: every call answers 190/463. */
  tokenExpired?: boolean
  /** The app's "Require app secret" setting: a call without `appsecret_proof` is refused. */
  requireAppSecretProof?: boolean
}

export interface FakeTemplate {
  name: string
  language: string
  status: 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED'
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'
  parameterFormat?: 'POSITIONAL' | 'NAMED'
  components: Record<string, unknown>[]
}

export interface FakeRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON body, or the multipart fields (file as { filename, type, size, sha256 }). */
  body: any
  at: number
}

export interface GraphApiFakeOptions {
  /** Where signed webhooks go (Chasqui's `/webhooks/meta`). */
  webhookUrl?: string | null
  /** Messages per second per number (A.9: 80 by default). */
  ratePerSecond?: number
  /** Pair rate (A.9): burst tolerated, then one message per `pairIntervalMs` to the same user. */
  pairBurst?: number
  pairIntervalMs?: number
  /** Customer service window (A.9): free-form only within this many hours of the user's last message. */
  windowHours?: number
  /** Post sent → delivered status webhooks after each accepted send (ms after the send; null = off). */
  autoStatuses?: { sentMs: number; deliveredMs: number } | null
  /** Escape non-ASCII as \uXXXX in webhook bodies, as Meta does (A.1). Default true. */
  escapeUnicode?: boolean
}

interface StoredMedia {
  id: string
  phoneNumberId: string
  bytes: Buffer
  mime: string
  sha256: string
  filename: string | null
}

interface Bucket {
  tokens: number
  at: number
}

const MEDIA_LIMITS: Record<string, number> = {
  'audio/aac': 16 << 20,
  'audio/amr': 16 << 20,
  'audio/mpeg': 16 << 20,
  'audio/mp4': 16 << 20,
  'audio/ogg': 16 << 20,
  'text/plain': 100 << 20,
  'application/pdf': 100 << 20,
  'application/msword': 100 << 20,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 100 << 20,
  'application/vnd.ms-excel': 100 << 20,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 100 << 20,
  'application/vnd.ms-powerpoint': 100 << 20,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 100 << 20,
  'image/jpeg': 5 << 20,
  'image/png': 5 << 20,
  'image/webp': 500 << 10,
  'video/mp4': 16 << 20,
  'video/3gpp': 16 << 20,
}

const SEND_TYPES = new Set([
  'text',
  'image',
  'audio',
  'document',
  'video',
  'sticker',
  'template',
  'location',
  'contacts',
  'interactive',
  'reaction',
])
const MEDIA_TYPES = new Set(['image', 'audio', 'document', 'video', 'sticker'])
const DOWNLOAD_TTL_S = 300

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {
    super('http error')
  }
}

function fail(code: number, overrides: { details?: string; subcode?: number } = {}): never {
  const error = graphError(code, overrides)
  throw new HttpError(error.status, error.body)
}

/** JSON as Meta sends it: non-ASCII escaped (`é` → `\u00e9`, emoji as surrogate pairs). */
export function metaJson(value: unknown, escapeUnicode = true) {
  const json = JSON.stringify(value)
  if (!escapeUnicode) return json
  return json.replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

export function sign(raw: string | Buffer, appSecret: string) {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`
}

function wamid() {
  return `wamid.${randomBytes(24).toString('base64')}`
}

export class GraphApiFake {
  readonly numbers = new Map<string, FakeNumber>()
  readonly templates = new Map<string, FakeTemplate[]>()
  readonly media = new Map<string, StoredMedia>()
  /** Every API call received, oldest first (control routes excluded). */
  readonly requests: FakeRequest[] = []
  /** Every webhook posted, with Chasqui's answer. */
  readonly webhooks: { body: string; status: number; ms: number }[] = []
  /** Messages the business sent (accepted), by wamid. */
  readonly sent = new Map<string, { phoneNumberId: string; to: string; body: any; at: number }>()
  options: Required<Omit<GraphApiFakeOptions, 'webhookUrl' | 'autoStatuses'>> & {
    webhookUrl: string | null
    autoStatuses: { sentMs: number; deliveredMs: number } | null
  }

  #server: Server | null = null
  #baseUrl = ''
  #failures = new Map<string, number[]>()
  #lastInbound = new Map<string, number>()
  #inboundIds = new Set<string>()
  #buckets = new Map<string, Bucket>()
  #pairs = new Map<string, Bucket>()
  #timers = new Set<NodeJS.Timeout>()
  #mediaSeq = 1000000000000200
  /** Meta keeps connections to a webhook open; so does the fake (and it is cheaper than fetch). */
  #agent = new Agent({ keepAlive: true, maxSockets: 128 })

  constructor(options: GraphApiFakeOptions = {}) {
    this.options = {
      webhookUrl: options.webhookUrl ?? null,
      ratePerSecond: options.ratePerSecond ?? 80,
      pairBurst: options.pairBurst ?? 45,
      pairIntervalMs: options.pairIntervalMs ?? 6000,
      windowHours: options.windowHours ?? 24,
      autoStatuses: options.autoStatuses === undefined ? null : options.autoStatuses,
      escapeUnicode: options.escapeUnicode ?? true,
    }
  }

  get baseUrl() {
    return this.#baseUrl
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: String(error), code: 1 } }))
      })
    })
    this.#server.keepAliveTimeout = 5000
    await new Promise<void>((resolve) => this.#server!.listen(port, host, resolve))
    const address = this.#server.address() as AddressInfo
    this.#baseUrl = `http://${host}:${address.port}`
    return this.#baseUrl
  }

  /** Let the process exit while the fake still listens (tests). */
  unref() {
    this.#server?.unref()
  }

  async stop() {
    this.#agent.destroy()
    this.#agent = new Agent({ keepAlive: true, maxSockets: 128 })
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    if (!this.#server) return
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()))
    this.#server = null
  }

  /** Forget traffic and state, keep numbers and templates. */
  reset() {
    this.requests.length = 0
    this.webhooks.length = 0
    this.sent.clear()
    this.#failures.clear()
    this.#lastInbound.clear()
    this.#buckets.clear()
    this.#pairs.clear()
  }

  addNumber(number: FakeNumber) {
    this.numbers.set(number.phoneNumberId, number)
    return number
  }

  setTemplates(wabaId: string, templates: FakeTemplate[]) {
    this.templates.set(wabaId, templates)
  }

  /** The next send(s) through this number answer with these Graph error codes, in order. */
  failNext(phoneNumberId: string, ...codes: number[]) {
    this.#failures.set(phoneNumberId, [...(this.#failures.get(phoneNumberId) ?? []), ...codes])
  }

  /** Pretend the customer wrote `hoursAgo` hours ago (window tests). */
  setLastInbound(phoneNumberId: string, waId: string, at: number) {
    this.#lastInbound.set(`${phoneNumberId}:${waId}`, at)
  }

  /** Media the customer sends: stored like Meta stores it, referenced by id in the webhook. */
  storeMedia(
    phoneNumberId: string,
    bytes: Buffer,
    mime: string,
    filename: string | null = null,
    id = String(++this.#mediaSeq)
  ) {
    this.media.set(id, {
      id,
      phoneNumberId,
      bytes,
      mime,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      filename,
    })
    return id
  }

  /* ------------------------------------------------------------------ webhooks */

  /** The `value` envelope of one change (A.2). */
  envelope(number: FakeNumber, value: Record<string, unknown>, field = 'messages') {
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: number.wabaId,
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: {
                  display_phone_number: number.displayPhoneNumber,
                  phone_number_id: number.phoneNumberId,
                },
                ...value,
              },
              field,
            },
          ],
        },
      ],
    }
  }

  /**
   * A customer message as Meta delivers it. `message` holds the type part
   * (e.g. `{ type: 'text', text: { body } }`); id, from and timestamp are
   * filled in. Returns the payload (post it with `deliver`).
   */
  customerMessage(
    phoneNumberId: string,
    input: {
      from: string | null
      name?: string
      userId?: string
      id?: string
      timestamp?: number
      message: Record<string, unknown>
    }
  ) {
    const number = this.#number(phoneNumberId)
    const id = input.id ?? wamid()
    const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000))
    const contact: Record<string, unknown> = { profile: { name: input.name ?? 'Cliente' } }
    if (input.from) contact.wa_id = input.from
    if (input.userId) contact.user_id = input.userId
    const message: Record<string, unknown> = { id, timestamp, ...input.message }
    if (input.from) message.from = input.from
    if (input.from)
      this.#lastInbound.set(`${phoneNumberId}:${input.from}`, Number(timestamp) * 1000)
    this.#inboundIds.add(id)
    return { id, payload: this.envelope(number, { contacts: [contact], messages: [message] }) }
  }

  /**
   * Coexistence (A.3): a message the business sent from the WhatsApp Business
   * app on the phone, echoed on field `smb_message_echoes` as
   * `value.message_echoes[]` — the shape of `messages[]` with `from` (the
   * business's number) and `to` (the customer) swapped.
   */
  businessAppEcho(
    phoneNumberId: string,
    input: { to: string; id?: string; timestamp?: number; message: Record<string, unknown> }
  ) {
    const number = this.#number(phoneNumberId)
    const id = input.id ?? wamid()
    const echo = {
      from: number.displayPhoneNumber.replace(/\D/g, ''),
      to: input.to,
      id,
      timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
      ...input.message,
    }
    return { id, payload: this.envelope(number, { message_echoes: [echo] }, 'smb_message_echoes') }
  }

  /**
   * Meta changed a template's status (field `message_template_status_update`,
   * at the WhatsApp Business account's level: no phone number). The fake's
   * own template list follows, as Meta's would.
   */
  templateStatusPayload(
    wabaId: string,
    input: { name: string; language: string; event: FakeTemplate['status']; reason?: string }
  ) {
    const template = this.templates
      .get(wabaId)
      ?.find((t) => t.name === input.name && t.language === input.language)
    if (template) template.status = input.event
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: wabaId,
          time: Math.floor(Date.now() / 1000),
          changes: [
            {
              value: {
                event: input.event,
                message_template_id: 1000 + (this.templates.get(wabaId)?.indexOf(template!) ?? 0),
                message_template_name: input.name,
                message_template_language: input.language,
                reason: input.reason ?? 'NONE',
              },
              field: 'message_template_status_update',
            },
          ],
        },
      ],
    }
  }

  /** A status webhook for a message the business sent (A.5). */
  statusPayload(
    phoneNumberId: string,
    wamidValue: string,
    status: string,
    options: { recipientId?: string; errorCode?: number; timestamp?: number } = {}
  ) {
    const number = this.#number(phoneNumberId)
    const recipient = options.recipientId ?? this.sent.get(wamidValue)?.to ?? '15557654321'
    const entry: Record<string, unknown> = {
      id: wamidValue,
      status,
      timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
      recipient_id: recipient,
    }
    if (status === 'sent' || status === 'delivered' || status === 'read') {
      entry.pricing = {
        billable: false,
        pricing_model: 'PMP',
        category: 'service',
        type: 'free_customer_service',
      }
    }
    if (status === 'failed') entry.errors = [webhookError(options.errorCode ?? 131026)]
    return this.envelope(number, { statuses: [entry] })
  }

  /** The raw bytes Meta would post for this payload. */
  rawBody(payload: unknown) {
    return metaJson(payload, this.options.escapeUnicode)
  }

  /**
   * Posts a payload (or raw string) to the webhook URL, signed with the app
   * secret of the number it concerns (or `appSecret`), as Meta does.
   */
  async deliver(
    payload: unknown,
    options: { appSecret?: string; signature?: string | null; url?: string } = {}
  ) {
    const url = options.url ?? this.options.webhookUrl
    if (!url) throw new Error('The fake has no webhook URL')
    const raw =
      typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : this.rawBody(payload)
    const secret = options.appSecret ?? this.#secretFor(raw.toString())
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
    }
    const signature = options.signature === undefined ? sign(raw, secret) : options.signature
    if (signature !== null) headers['x-hub-signature-256'] = signature
    const started = performance.now()
    const status = await this.#post(url, headers, typeof raw === 'string' ? Buffer.from(raw) : raw)
    const record = {
      body: raw.toString(),
      status,
      ms: performance.now() - started,
    }
    this.webhooks.push(record)
    return record
  }

  #post(url: string, headers: Record<string, string>, body: Buffer) {
    return new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (response) => {
          response.resume()
          response.on('end', () => resolve(response.statusCode ?? 0))
          response.on('error', reject)
        }
      )
      request.on('error', reject)
      request.end(body)
    })
  }

  /** The customer reads a message (and so every earlier one, as WhatsApp does). */
  async customerReads(wamidValue: string) {
    const sent = this.sent.get(wamidValue)
    if (!sent) throw new Error(`Unknown wamid ${wamidValue}`)
    return this.deliver(this.statusPayload(sent.phoneNumberId, wamidValue, 'read'))
  }

  #secretFor(raw: string) {
    const match = /"phone_number_id":"([^"]+)"/.exec(raw)
    const number = match ? this.numbers.get(match[1]) : [...this.numbers.values()][0]
    if (!number) throw new Error('No number to sign for')
    return number.appSecret
  }

  #later(ms: number, work: () => Promise<unknown>) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      work().catch(() => {})
    }, ms)
    timer.unref()
    this.#timers.add(timer)
  }

  /* ------------------------------------------------------------------ HTTP */

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const query = Object.fromEntries(url.searchParams)
    const send = (status: number, body: unknown, type = 'application/json') => {
      const payload = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
      res.writeHead(status, { 'content-type': type, 'content-length': payload.length })
      res.end(payload)
    }

    if (url.pathname.startsWith('/_fake/')) return this.#control(req, url, raw, send)

    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      headers: req.headers,
      body: null,
      at: Date.now(),
    }
    this.requests.push(request)
    try {
      const segments = url.pathname.split('/').filter(Boolean)
      if (segments[0] === 'download' && segments[1]) {
        const media = this.#download(segments[1], query, req.headers.authorization)
        return send(200, media.bytes, media.mime)
      }
      if (!/^v\d+\.\d+$/.test(segments[0] ?? '')) {
        fail(2500 as number, { details: `Unknown path components: ${url.pathname}` })
      }
      const [, objectId, edge] = segments
      if (!objectId) fail(100, { details: 'Unsupported request' })
      const owner = this.#authenticate(req.headers.authorization)
      this.#checkProof(owner, req.headers.authorization!, query)

      if (req.method === 'POST' && edge === 'messages') {
        request.body = this.#json(raw)
        const result = this.#send(owner, objectId, request.body)
        return send(200, result)
      }
      if (req.method === 'POST' && edge === 'calls') {
        request.body = this.#json(raw)
        const number = this.numbers.get(objectId)
        if (!number || !owner.includes(number)) this.#missing(objectId, 'post')
        const { call_id: callId, action } = request.body ?? {}
        if (request.body?.messaging_product !== 'whatsapp') {
          fail(100, { details: 'The parameter messaging_product is required.' })
        }
        if (!['pre_accept', 'accept', 'reject', 'terminate', 'connect'].includes(action)) {
          fail(100, { details: `Invalid action ${action}` })
        }
        if (action !== 'connect' && typeof callId !== 'string') {
          fail(100, { details: 'The parameter call_id is required.' })
        }
        return send(200, { messaging_product: 'whatsapp', success: true })
      }
      if (req.method === 'POST' && edge === 'media') {
        const form = await new Response(raw, {
          headers: { 'content-type': req.headers['content-type'] ?? '' },
        })
          .formData()
          .catch(() => fail(100, { details: 'Expected multipart/form-data' }))
        request.body = Object.fromEntries(
          [...form.entries()].map(([key, value]) => [
            key,
            typeof value === 'string'
              ? value
              : { filename: value.name, type: value.type, size: value.size },
          ])
        )
        return send(200, await this.#upload(owner, objectId, form))
      }
      if (req.method === 'GET' && edge === 'message_templates') {
        return send(200, this.#templates(owner, objectId, query))
      }
      if (req.method === 'GET' && edge === 'phone_numbers') {
        if (!owner.some((n) => n.wabaId === objectId)) this.#missing(objectId, 'get')
        return send(200, {
          data: owner.filter((n) => n.wabaId === objectId).map((n) => this.#phoneInfo(n)),
        })
      }
      if (req.method === 'GET' && !edge) {
        const number = this.numbers.get(objectId)
        if (number) {
          if (!owner.includes(number)) this.#missing(objectId, 'get')
          return send(200, this.#phoneInfo(number))
        }
        const media = this.media.get(objectId)
        if (media) {
          if (!owner.some((n) => n.phoneNumberId === media.phoneNumberId))
            this.#missing(objectId, 'get')
          if (query.phone_number_id && query.phone_number_id !== media.phoneNumberId) {
            fail(100, { details: 'Media does not belong to this phone number' })
          }
          return send(200, {
            messaging_product: 'whatsapp',
            url: this.#downloadUrl(media),
            mime_type: media.mime,
            sha256: media.sha256,
            file_size: media.bytes.length,
            id: media.id,
          })
        }
        this.#missing(objectId, 'get')
      }
      if (req.method === 'DELETE' && !edge) {
        const media = this.media.get(objectId)
        if (!media || !owner.some((n) => n.phoneNumberId === media.phoneNumberId)) {
          this.#missing(objectId, 'delete')
        }
        this.media.delete(objectId)
        return send(200, { success: true })
      }
      fail(100, { details: `Unsupported ${req.method} request` })
    } catch (error) {
      if (error instanceof HttpError) return send(error.status, error.body)
      throw error
    }
  }

  #json(raw: Buffer) {
    try {
      return JSON.parse(raw.toString('utf8'))
    } catch {
      fail(100, { details: 'Request body is not valid JSON' })
    }
  }

  /**
   * `appsecret_proof` (HMAC-SHA256 of the token under the app secret): Meta
   * checks it whenever it is sent, even if the app does not require it, and
   * refuses a wrong one with code 100 and this message; an app with "Require
   * app secret" on refuses calls without one.
   */
  #checkProof(owner: FakeNumber[], authorization: string, query: Record<string, string>) {
    const token = authorization.slice(7).trim()
    const proof = query.appsecret_proof
    const refuse = (message: string) => {
      throw new HttpError(400, {
        error: { message, type: 'GraphMethodException', code: 100, fbtrace_id: 'AFakeProof' },
      })
    }
    if (!proof) {
      if (owner.some((number) => number.requireAppSecretProof))
        refuse('API calls from the server require an appsecret_proof argument')
      return
    }
    const valid = owner.some(
      (number) => createHmac('sha256', number.appSecret).update(token).digest('hex') === proof
    )
    if (!valid) refuse('Invalid appsecret_proof provided in the API argument')
  }

  /** Numbers the bearer token may act for; 104/190 otherwise (A.0). */
  #authenticate(header: string | undefined): FakeNumber[] {
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null
    if (!token) {
      throw new HttpError(400, {
        error: {
          message: 'An access token is required to request this resource.',
          type: 'OAuthException',
          code: 104,
          fbtrace_id: 'AFakeNoToken',
        },
      })
    }
    const owned = [...this.numbers.values()].filter((number) => number.accessToken === token)
    if (!owned.length) fail(190, { subcode: 467 })
    if (owned.some((number) => number.tokenExpired)) {
      const error = graphError(190, { subcode: 463 })
      ;(error.body.error as Record<string, unknown>).message =
        'Error validating access token: Session has expired.'
      throw new HttpError(error.status, error.body)
    }
    return owned
  }

  #missing(id: string, verb: string): never {
    fail(100, {
      subcode: 33,
      details: `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    })
  }

  #number(phoneNumberId: string) {
    const number = this.numbers.get(phoneNumberId)
    if (!number) throw new Error(`The fake has no number ${phoneNumberId}`)
    return number
  }

  #phoneInfo(number: FakeNumber) {
    const digits = number.displayPhoneNumber
    return {
      verified_name: number.verifiedName,
      code_verification_status: 'VERIFIED',
      display_phone_number: `+${digits.slice(0, digits.length - 10)} ${digits.slice(-10, -7)}-${digits.slice(-7, -4)}-${digits.slice(-4)}`,
      quality_rating: number.qualityRating ?? 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: 'STANDARD' },
      id: number.phoneNumberId,
    }
  }

  #take(map: Map<string, Bucket>, key: string, capacity: number, refillPerMs: number) {
    const now = Date.now()
    const bucket = map.get(key) ?? { tokens: capacity, at: now }
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * refillPerMs)
    bucket.at = now
    map.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  #send(owner: FakeNumber[], phoneNumberId: string, body: any) {
    const number = this.numbers.get(phoneNumberId)
    if (!number || !owner.includes(number)) this.#missing(phoneNumberId, 'post')
    if (!body || typeof body !== 'object') fail(100, { details: 'Request body is required' })
    if (body.messaging_product !== 'whatsapp') {
      fail(100, { details: 'The parameter messaging_product is required.' })
    }

    // Mark as read (+ typing indicator), A.6.
    if (body.status === 'read') {
      if (!body.message_id) fail(100, { details: 'The parameter message_id is required.' })
      if (!this.#inboundIds.has(body.message_id)) {
        fail(100, { details: `Invalid message_id ${body.message_id}` })
      }
      return { success: true }
    }

    const queued = this.#failures.get(phoneNumberId)
    if (queued?.length) fail(queued.shift()!)

    const to: string | null = typeof body.to === 'string' ? body.to.replace(/^\+/, '') : null
    const recipient: string | null = typeof body.recipient === 'string' ? body.recipient : null
    if (!to && !recipient) fail(100, { details: 'The parameter to is required.' })
    if (to && !/^\d{6,15}$/.test(to)) fail(100, { details: 'Invalid phone number in to' })
    const type = body.type ?? 'text'
    if (!SEND_TYPES.has(type)) fail(100, { details: `Unsupported message type ${type}` })
    if (body.context !== undefined && typeof body.context?.message_id !== 'string') {
      fail(100, { details: 'context.message_id must be a string' })
    }

    if (type === 'text') {
      const text = body.text?.body
      if (typeof text !== 'string' || !text.length) {
        fail(100, { details: 'The parameter text.body is required.' })
      }
      if (text.length > 4096) fail(100, { details: 'text.body is longer than 4096 characters' })
    }
    let asyncFailure: number | null = null
    if (MEDIA_TYPES.has(type)) {
      const part = body[type]
      if (!part || (!part.id && !part.link) || (part.id && part.link)) {
        fail(100, { details: `Exactly one of ${type}.id or ${type}.link is required` })
      }
      if (type === 'audio' || type === 'sticker') {
        if (part.caption !== undefined) fail(100, { details: `${type} does not take a caption` })
      }
      if (typeof part.caption === 'string' && part.caption.length > 1024) {
        fail(100, { details: 'caption is longer than 1024 characters' })
      }
      if (part.id) {
        const media = this.media.get(String(part.id))
        // An unknown media id is accepted, then fails asynchronously (A.7: 131053 async/sync).
        if (!media || media.phoneNumberId !== phoneNumberId) asyncFailure = 131053
      }
    }
    if (type === 'template') this.#checkTemplate(number, body.template)

    if (
      !this.#take(
        this.#buckets,
        phoneNumberId,
        this.options.ratePerSecond,
        this.options.ratePerSecond / 1000
      )
    ) {
      fail(130429)
    }
    const who = to ?? recipient!
    if (
      !this.#take(
        this.#pairs,
        `${phoneNumberId}:${who}`,
        this.options.pairBurst,
        1 / this.options.pairIntervalMs
      )
    ) {
      fail(131056)
    }
    if (recipient && !to && type === 'template' && body.template?.name?.startsWith('auth_')) {
      fail(131062)
    }

    // Free-form outside the customer service window fails later, as a status (A.7, fact 2).
    if (type !== 'template' && !asyncFailure) {
      const last = to ? this.#lastInbound.get(`${phoneNumberId}:${to}`) : undefined
      if (!last || Date.now() - last > this.options.windowHours * 3600_000) asyncFailure = 131047
    }

    const id = wamid()
    this.sent.set(id, { phoneNumberId, to: who, body, at: Date.now() })
    if (this.options.webhookUrl) {
      if (asyncFailure) {
        const code = asyncFailure
        this.#later(20, () =>
          this.deliver(this.statusPayload(phoneNumberId, id, 'failed', { errorCode: code }))
        )
      } else if (this.options.autoStatuses) {
        const { sentMs, deliveredMs } = this.options.autoStatuses
        this.#later(sentMs, () => this.deliver(this.statusPayload(phoneNumberId, id, 'sent')))
        this.#later(deliveredMs, () =>
          this.deliver(this.statusPayload(phoneNumberId, id, 'delivered'))
        )
      }
    }
    const contact = to ? { input: body.to, wa_id: to } : { input: recipient, user_id: recipient }
    const message: Record<string, unknown> = { id }
    if (type === 'template') message.message_status = 'accepted'
    return { messaging_product: 'whatsapp', contacts: [contact], messages: [message] }
  }

  #checkTemplate(number: FakeNumber, template: any) {
    if (!template?.name) fail(100, { details: 'The parameter template.name is required.' })
    if (!template.language?.code)
      fail(100, { details: 'The parameter template.language.code is required.' })
    const found = (this.templates.get(number.wabaId) ?? []).find(
      (t) => t.name === template.name && t.language === template.language.code
    )
    if (!found)
      fail(132001, {
        details: `template name (${template.name}) does not exist in ${template.language.code}`,
      })
    if (found.status === 'PAUSED') fail(132015)
    if (found.status === 'DISABLED') fail(132016)
    if (found.status !== 'APPROVED') fail(132001)
    const bodyComponent = found.components.find((c) => String(c.type).toUpperCase() === 'BODY')
    const text = typeof bodyComponent?.text === 'string' ? bodyComponent.text : ''
    const expected = new Set(text.match(/\{\{\s*[\w]+\s*\}\}/g) ?? []).size
    const sentBody = (template.components ?? []).find((c: any) => c.type === 'body')
    const given = sentBody?.parameters?.length ?? 0
    if (expected !== given) {
      fail(132000, {
        details: `body: number of localizable_params (${given}) does not match the expected number of params (${expected})`,
      })
    }
    if (found.parameterFormat === 'NAMED') {
      const names = [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])
      for (const parameter of sentBody?.parameters ?? []) {
        if (!names.includes(parameter.parameter_name)) fail(132012)
      }
    }
    this.#checkHeaderAndButtons(found, template.components ?? [])
  }

  /**
   * A media header needs its file (by link or id, of the header's format); a
   * text header, one value per placeholder; a URL button with a variable, its
   * `button` component (sub_type url, its index) with one text value.
   */
  #checkHeaderAndButtons(found: FakeTemplate, sent: any[]) {
    const part = (type: string) =>
      found.components.find((c) => String(c.type).toUpperCase() === type) as any
    const header = part('HEADER')
    const sentHeader = sent.find((c: any) => c.type === 'header')?.parameters ?? []
    const format = String(header?.format ?? 'TEXT').toUpperCase()
    const mismatch = (where: string, given: number, expected: number) =>
      fail(132000, {
        details: `${where}: number of localizable_params (${given}) does not match the expected number of params (${expected})`,
      })
    if (header && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format)) {
      if (sentHeader.length !== 1) mismatch('header', sentHeader.length, 1)
      const type = format.toLowerCase()
      const file = sentHeader[0][type]
      if (sentHeader[0].type !== type || !(file?.link || file?.id)) fail(132012)
    } else {
      const expected = new Set(String(header?.text ?? '').match(/\{\{\s*\w+\s*\}\}/g) ?? []).size
      if (sentHeader.length !== expected) mismatch('header', sentHeader.length, expected)
    }
    const buttons: any[] = part('BUTTONS')?.buttons ?? []
    buttons.forEach((button, index) => {
      if (String(button.type).toUpperCase() !== 'URL' || !/\{\{/.test(String(button.url ?? '')))
        return
      const given = sent.find(
        (c: any) => c.type === 'button' && c.sub_type === 'url' && String(c.index) === String(index)
      )
      const values = (given?.parameters ?? []).filter((p: any) => p.type === 'text' && p.text)
      if (values.length !== 1) mismatch(`button at index ${index}`, values.length, 1)
    })
  }

  async #upload(owner: FakeNumber[], phoneNumberId: string, form: FormData) {
    const number = this.numbers.get(phoneNumberId)
    if (!number || !owner.includes(number)) this.#missing(phoneNumberId, 'post')
    if (form.get('messaging_product') !== 'whatsapp') {
      fail(100, { details: 'The parameter messaging_product is required.' })
    }
    const file = form.get('file')
    if (!file || typeof file === 'string') fail(100, { details: 'The parameter file is required.' })
    const type = String(form.get('type') ?? file.type ?? '')
      .split(';')[0]
      .trim()
    const limit = MEDIA_LIMITS[type]
    if (!limit) fail(131053, { details: `Unsupported media type ${type}` })
    const bytes = Buffer.from(await file.arrayBuffer())
    if (bytes.length > limit) fail(131053, { details: `File too large for ${type}` })
    if (type === 'audio/ogg' && !bytes.subarray(0, 64).includes(Buffer.from('OpusHead'))) {
      fail(131053, { details: 'audio/ogg must use the Opus codec' })
    }
    return { id: this.storeMedia(phoneNumberId, bytes, type, file.name || null) }
  }

  #downloadUrl(media: StoredMedia) {
    const expires = Math.floor(Date.now() / 1000) + DOWNLOAD_TTL_S
    const hash = createHmac('sha256', 'fake-lookaside')
      .update(`${media.id}:${expires}`)
      .digest('hex')
    return `${this.#baseUrl}/download/${media.id}?mid=${media.id}&ext=${expires}&hash=${hash}`
  }

  #download(id: string, query: Record<string, string>, authorization: string | undefined) {
    const media = this.media.get(id)
    const expires = Number(query.ext)
    const hash = createHmac('sha256', 'fake-lookaside').update(`${id}:${expires}`).digest('hex')
    if (!media || hash !== query.hash) throw new HttpError(404, 'Not found')
    if (expires < Date.now() / 1000) throw new HttpError(404, 'URL expired')
    const owner = this.#authenticate(authorization)
    if (!owner.some((n) => n.phoneNumberId === media.phoneNumberId)) fail(100, { subcode: 33 })
    return media
  }

  #templates(owner: FakeNumber[], wabaId: string, query: Record<string, string>) {
    if (!owner.some((n) => n.wabaId === wabaId)) this.#missing(wabaId, 'get')
    const all = this.templates.get(wabaId) ?? []
    const limit = Math.max(1, Math.min(100, Number(query.limit) || 25))
    const start = query.after ? Number(Buffer.from(query.after, 'base64').toString()) : 0
    const page = all.slice(start, start + limit)
    const data = page.map((t, index) => ({
      name: t.name,
      parameter_format: t.parameterFormat ?? 'POSITIONAL',
      components: t.components,
      language: t.language,
      status: t.status,
      category: t.category,
      id: String(900000000000000 + start + index),
    }))
    const cursors = {
      before: Buffer.from(String(start)).toString('base64'),
      after: Buffer.from(String(start + page.length)).toString('base64'),
    }
    const paging: Record<string, unknown> = { cursors }
    if (start + limit < all.length) {
      paging.next = `${this.#baseUrl}/v23.0/${wabaId}/message_templates?limit=${limit}&after=${cursors.after}`
    }
    return { data, paging }
  }

  /* ------------------------------------------------------------------ control (local trials) */

  async #control(
    req: IncomingMessage,
    url: URL,
    raw: Buffer,
    send: (status: number, body: unknown) => void
  ) {
    const body = raw.length ? JSON.parse(raw.toString('utf8')) : {}
    const action = url.pathname.slice('/_fake/'.length)
    if (action === 'requests') return send(200, this.requests)
    if (action === 'customer-message' && req.method === 'POST') {
      const { id, payload } = this.customerMessage(body.phoneNumberId, {
        from: body.from,
        name: body.name,
        message: { type: 'text', text: { body: body.text ?? 'Hola' } },
      })
      const result = await this.deliver(payload)
      return send(200, { id, webhookStatus: result.status })
    }
    if (action === 'status' && req.method === 'POST') {
      const result = await this.deliver(
        this.statusPayload(body.phoneNumberId, body.wamid, body.status, {
          errorCode: body.errorCode,
        })
      )
      return send(200, { webhookStatus: result.status })
    }
    if (action === 'fail-next' && req.method === 'POST') {
      this.failNext(body.phoneNumberId, ...(body.codes ?? [body.code]))
      return send(200, { ok: true })
    }
    send(404, { error: 'unknown control action' })
  }
}
