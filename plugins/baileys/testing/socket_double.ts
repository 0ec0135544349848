import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BufferJSON,
  proto,
  type AnyMessageContent,
  type BaileysEventEmitter,
  type BaileysEventMap,
  type Contact,
  type MiscMessageGenerationOptions,
  type WAMessage,
} from '@whiskeysockets/baileys'
import type { BaileysSocket, SocketOptions } from '../runtime.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
/** Read once: the bench builds thousands of messages from them. */
const fixtureTexts = new Map<string, string>()

/**
 * A fixture (copied from shared/whatsapp/baileys, generated with the real
 * rc14 helpers) typed as the payload of the Baileys event it was captured
 * from. Buffers come back through BufferJSON, dates as Date.
 */
export function fixture<E extends keyof BaileysEventMap>(
  _event: E,
  name: string
): BaileysEventMap[E] {
  let text = fixtureTexts.get(name)
  if (!text) fixtureTexts.set(name, (text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8')))
  return JSON.parse(text, (key, value) => {
    if (key === 'date' && typeof value === 'string') return new Date(value)
    return BufferJSON.reviver(key, value)
  }) as BaileysEventMap[E]
}

/** Baileys' event emitter interface over Node's EventEmitter, like the real socket's `ev`. */
class DoubleEmitter implements BaileysEventEmitter {
  #emitter = new EventEmitter()
  on<T extends keyof BaileysEventMap>(event: T, listener: (arg: BaileysEventMap[T]) => void) {
    this.#emitter.on(event, listener)
  }
  off<T extends keyof BaileysEventMap>(event: T, listener: (arg: BaileysEventMap[T]) => void) {
    this.#emitter.off(event, listener)
  }
  removeAllListeners<T extends keyof BaileysEventMap>(event: T) {
    this.#emitter.removeAllListeners(event)
  }
  emit<T extends keyof BaileysEventMap>(event: T, arg: BaileysEventMap[T]) {
    return this.#emitter.emit(event, arg)
  }
}

/** A Boom-shaped close error like Baileys builds (the 515/401/… fixtures), for any status code. */
export function closeUpdate(
  statusCode: number,
  message?: string
): BaileysEventMap['connection.update'] {
  const known: Record<number, string> = {
    515: 'connection-update-close-515-restart-required',
    401: 'connection-update-close-401-logged-out',
    405: 'connection-update-close-405-connection-failure',
    408: 'connection-update-close-408-qr-expired',
    428: 'connection-update-close-428-closed',
  }
  const base = fixture('connection.update', known[statusCode] ?? known[428])
  const error = base.lastDisconnect!.error as unknown as {
    message: string
    output: { statusCode: number; payload: { statusCode: number; message: string } }
  }
  if (!known[statusCode] || message) {
    error.output.statusCode = statusCode
    error.output.payload.statusCode = statusCode
    error.message = message ?? `Stream Errored (${statusCode})`
    error.output.payload.message = error.message
  }
  return base
}

export type SendFailure = 'retryable' | 'fatal'

/**
 * The far side of one Baileys socket: emits the real event shapes, in the
 * order the real socket does (connecting → qr | open; a linked phone saves
 * creds, then closes with 515), and records what the plugin sends. It is
 * typed as the plugin's `BaileysSocket`, a Pick of Baileys' own WASocket, so
 * it cannot drift from the `.d.ts`.
 */
export class SocketDouble implements BaileysSocket {
  readonly ev = new DoubleEmitter()
  user: Contact | undefined = undefined
  sent: { jid: string; content: AnyMessageContent; options?: MiscMessageGenerationOptions }[] = []
  failNext: SendFailure | null = null
  ended = false
  loggedOut = false
  #seq = 0

  constructor(readonly options: SocketOptions) {}

  get creds() {
    return this.options.auth.creds
  }

  /** What the real socket does right after makeWASocket(): connect, then QR or open. */
  boot() {
    setImmediate(() => {
      if (this.ended) return
      this.ev.emit('connection.update', { connection: 'connecting' })
      if (this.creds.registered && this.creds.me) this.open()
      else this.ev.emit('connection.update', fixture('connection.update', 'connection-update-qr'))
    })
  }

  /** A new QR replaces the last (WhatsApp rotates them every ~20 s). */
  rotateQr(qr: string) {
    this.ev.emit('connection.update', { qr })
  }

  open() {
    this.user = this.creds.me
    this.ev.emit('connection.update', fixture('connection.update', 'connection-update-open'))
  }

  /** The admin scanned the QR: Baileys stores the identity, then WhatsApp asks for a restart (515). */
  phoneLinks(me: { id: string; name: string; lid?: string }) {
    this.creds.me = { id: me.id, name: me.name, lid: me.lid }
    this.creds.registered = true
    this.ev.emit('creds.update', { me: this.creds.me, registered: true })
    this.close(515)
  }

  close(statusCode: number, message?: string) {
    this.ev.emit('connection.update', closeUpdate(statusCode, message))
  }

  upsert(messages: WAMessage[], type: 'notify' | 'append' = 'notify') {
    this.ev.emit('messages.upsert', { messages, type })
  }

  /** A customer's text, shaped as the text fixture (LID-addressed with the phone as alt when both given). */
  customerText(input: {
    id: string
    text: string
    phone?: string | null
    lid?: string | null
    name?: string
  }) {
    const message = fixture('messages.upsert', 'messages-upsert-text-notify').messages[0]
    const pn = input.phone ? `${input.phone.replace(/\D/g, '')}@s.whatsapp.net` : null
    const lid = input.lid ? `${input.lid}@lid` : null
    message.key = {
      remoteJid: lid ?? pn,
      remoteJidAlt: lid && pn ? pn : undefined,
      fromMe: false,
      id: input.id,
      addressingMode: lid ? 'lid' : 'pn',
    }
    message.pushName = input.name ?? 'Ana'
    message.message = { conversation: input.text }
    message.messageTimestamp = Math.floor(Date.now() / 1000)
    return message
  }

  receipt(id: string, jid: string, status: number) {
    this.ev.emit('messages.update', [
      { key: { remoteJid: jid, fromMe: true, id }, update: { status } },
    ])
  }

  async sendMessage(
    jid: string,
    content: AnyMessageContent,
    options?: MiscMessageGenerationOptions
  ) {
    if (this.failNext) {
      const mode = this.failNext
      this.failNext = null
      throw Object.assign(new Error(mode === 'fatal' ? 'not-acceptable' : 'Connection Closed'), {
        isBoom: true,
        output: { statusCode: mode === 'fatal' ? 406 : 428, payload: {}, headers: {} },
      })
    }
    this.sent.push({ jid, content, options })
    const id = options?.messageId ?? `3EB0DOUBLE${String(++this.#seq).padStart(10, '0')}`
    const message: WAMessage = {
      key: { remoteJid: jid, fromMe: true, id },
      message:
        'text' in content
          ? options?.quoted
            ? {
                extendedTextMessage: {
                  text: content.text,
                  contextInfo: {
                    stanzaId: options.quoted.key.id,
                    quotedMessage: options.quoted.message,
                  },
                },
              }
            : { conversation: content.text }
          : { documentMessage: { caption: 'caption' in content ? content.caption : null } },
      messageTimestamp: Math.floor(Date.now() / 1000),
      status: proto.WebMessageInfo.Status.PENDING,
    }
    // emitOwnEvents: the send echoes back as an 'append' upsert.
    process.nextTick(() => this.upsert([message], 'append'))
    return message
  }

  async logout() {
    this.loggedOut = true
    this.close(401)
  }

  async end(_error: Error | undefined) {
    this.ended = true
    this.ev.emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: _error, date: new Date() },
    })
  }

  async requestPairingCode(_phone: string) {
    return 'CHSQ4PR1'
  }

  /** Calls declined, as WhatsApp receives them; WhatsApp then reports the call `reject`. */
  rejected: { callId: string; callFrom: string }[] = []

  async rejectCall(callId: string, callFrom: string) {
    this.rejected.push({ callId, callFrom })
  }

  /** Like WhatsApp: a URL for customers with a photo, a 404 Boom for the others. */
  photos = new Map<string, string>()

  async profilePictureUrl(jid: string, _type?: 'preview' | 'image', _timeoutMs?: number) {
    const url = this.photos.get(jid)
    if (!url) {
      throw Object.assign(new Error('item-not-found'), {
        isBoom: true,
        output: { statusCode: 404, payload: {}, headers: {} },
      })
    }
    return url
  }

  async updateMediaMessage(message: WAMessage) {
    return message
  }
}

/** Every double the plugin created, newest last; the runtime's `createSocket` in tests. */
export class SocketDoubles {
  all: SocketDouble[] = []
  /** Sockets open at once as an already linked phone (the contract suite needs no QR scan). */
  autoLink = true

  factory = (options: SocketOptions) => {
    const double = new SocketDouble(options)
    this.all.push(double)
    if (this.autoLink && !options.auth.creds.registered) {
      // As if the QR had been scanned long ago: Baileys saves the identity through creds.update.
      options.auth.creds.me = { id: '593990000001:4@s.whatsapp.net', name: 'Cooperativa' }
      options.auth.creds.registered = true
      setImmediate(() =>
        double.ev.emit('creds.update', { me: options.auth.creds.me, registered: true })
      )
    }
    double.boot()
    return double
  }

  latest(connectionId: number) {
    const found = this.all.filter((d) => d.options.connectionId === connectionId).at(-1)
    if (!found) throw new Error(`No socket was opened for connection ${connectionId}`)
    return found
  }

  count(connectionId: number) {
    return this.all.filter((d) => d.options.connectionId === connectionId).length
  }

  reset() {
    this.all = []
    this.autoLink = true
  }
}
