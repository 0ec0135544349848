import type { Database } from '@adonisjs/lucid/database'
import {
  isJidGroup,
  isJidStatusBroadcast,
  type BaileysEventMap,
  type WAMessage,
} from '@whiskeysockets/baileys'
import type { ContactIdentity, IngestPort, NormalizedInboundMessage } from '#channels/ingest_port'
import type { MediaPort } from '#channels/media_port'
import { lookupLidMapping } from './auth_state.js'
import {
  extensionFor,
  identityFromKey,
  identityOfJids,
  isUndecryptable,
  mapCallStatus,
  mapMessage,
  mapStatus,
  revisionOf,
  timestampOf,
  userOf,
} from './inbound_mapper.js'
import type { MessageStore } from './message_store.js'
import type { BaileysRuntime, BaileysSocket, ILogger } from './runtime.js'

/** A WhatsApp message read into the core's shape, with what is needed after it is stored. */
interface ReadMessage {
  normalized: NormalizedInboundMessage
  remoteJid: string
  contact: ContactIdentity
}

export interface InboundOptions {
  connectionId: number
  db: Database
  ingest: IngestPort
  media: MediaPort
  store: MessageStore
  runtime: BaileysRuntime
  logger: ILogger
  /** Ids of messages this driver is sending right now: their echoes are not customer messages. */
  isOwnSend(keyId: string): boolean
  groupsEnabled(): boolean
  socket(): BaileysSocket | null
  /** A message the core refused after retries (logged as a critical system event). */
  onLost?(message: WAMessage, error: unknown): Promise<void>
}

/**
 * Everything a Baileys socket reports, turned into the core's ingest port
 * calls: messages (notify, append and history), statuses and receipts,
 * contacts and LID mappings, calls. Idempotent on `key.id`, as the core's
 * port is; the session feeds it one event at a time, in order.
 */
export class InboundHandler {
  /** Undecryptable messages waiting for WhatsApp's retry, by key id. */
  #pendingStubs = new Map<string, NodeJS.Timeout>()

  constructor(private options: InboundOptions) {}

  /** PN ↔ LID answers already looked up (negative ones expire: Baileys may learn the mapping). */
  #mappings = new Map<string, { value: string | null; until: number }>()

  async upsert({ messages, type }: BaileysEventMap['messages.upsert']) {
    await this.#batch(messages, { historical: false, type })
  }

  async history({ messages, contacts, lidPnMappings }: BaileysEventMap['messaging-history.set']) {
    for (const mapping of lidPnMappings ?? []) await this.lidMapping(mapping)
    for (const contact of contacts) await this.contactUpdate(contact)
    await this.#batch(messages, { historical: true, type: 'append' })
  }

  /**
   * A batch goes to the core in one `ingest.messages()` call (one
   * transaction for all of them, docs/CONVERSATIONS.md); a message that
   * could not be read or stored that way takes the one-by-one path with its
   * retries, so one bad message never holds the others back.
   */
  async #batch(messages: WAMessage[], options: { historical: boolean; type: 'notify' | 'append' }) {
    const keep: WAMessage[] = []
    const oneByOne: WAMessage[] = []
    const ready: { message: WAMessage; read: ReadMessage }[] = []
    for (const message of messages) {
      try {
        const read = await this.#read(message, options)
        if (read) ready.push({ message, read })
      } catch {
        oneByOne.push(message)
      }
    }
    const outcomes = ready.length
      ? await this.options.ingest.messages(
          this.options.connectionId,
          ready.map(({ read }) => read.normalized)
        )
      : []
    for (const [index, { message, read }] of ready.entries()) {
      if (!outcomes[index].ok) {
        oneByOne.push(message)
        continue
      }
      this.#stored(read)
      keep.push(message)
    }
    for (const message of oneByOne) {
      if (await this.#withRetries(message, () => this.message(message, options))) keep.push(message)
    }
    // Raw messages for quoting, retries and media, in one statement per batch.
    await this.options.store
      .saveMany(keep)
      .catch((error) => this.options.logger.error({ err: error }, 'baileys: raw messages not kept'))
  }

  /**
   * One message must not take the rest of its batch down, and a passing
   * database hiccup must not lose it: a few tries, then a critical event
   * naming it (its raw form is still kept for a manual re-import).
   */
  async #withRetries(message: WAMessage, work: () => Promise<boolean>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        if (attempt < 3) {
          await new Promise((resolve) => setTimeout(resolve, attempt * 250))
          continue
        }
        this.options.logger.error({ err: error, id: message.key.id }, 'baileys: message not stored')
        await this.options.onLost?.(message, error)
        return true
      }
    }
  }

  /** Reports one message; true when it was handed to the core (its raw form must be kept). */
  async message(
    message: WAMessage,
    options: { historical: boolean; type: 'notify' | 'append' }
  ): Promise<boolean> {
    const read = await this.#read(message, options)
    if (!read) return false
    await this.options.ingest.message(this.options.connectionId, read.normalized)
    this.#stored(read)
    return true
  }

  /** A message in the core's shape (its media downloaded); null for one the core does not get. */
  async #read(
    message: WAMessage,
    { historical, type }: { historical: boolean; type: 'notify' | 'append' }
  ): Promise<ReadMessage | null> {
    const { key } = message
    const remoteJid = key.remoteJid ?? ''
    if (!key.id || !remoteJid || isJidStatusBroadcast(remoteJid)) return null
    if (isJidGroup(remoteJid) && !this.options.groupsEnabled()) return null
    if (
      key.fromMe &&
      (this.options.isOwnSend(key.id) || (await this.options.store.isOwnSend(key.id)))
    )
      return null

    if (isUndecryptable(message)) {
      this.#waitForRetry(message, historical)
      return null
    }
    this.#cancelStub(key.id)

    const mapped = mapMessage(message)
    if (!mapped) return null
    const contact = await this.identity(message)
    if (!contact) return null

    const normalized: NormalizedInboundMessage = {
      externalId: key.id,
      direction: key.fromMe ? 'out' : 'in',
      contact,
      kind: mapped.kind,
      body: mapped.body,
      replyTo: mapped.replyTo,
      at: timestampOf(message.messageTimestamp),
      historical,
      status: key.fromMe ? (mapStatus(message.status) ?? 'sent') : undefined,
      metadata: {
        ...mapped.metadata,
        upsertType: type,
        ...(isJidGroup(remoteJid) ? { groupJid: remoteJid } : {}),
      },
    }
    if (mapped.media) normalized.media = await this.#download(message, mapped.media)
    return { normalized, remoteJid, contact }
  }

  /** After the core stored it: a customer's live message refreshes their profile photo. */
  #stored({ normalized, remoteJid, contact }: ReadMessage) {
    if (normalized.direction !== 'out' && !normalized.historical)
      this.#refreshPhoto(remoteJid, contact)
  }

  /** Jids whose profile photo was asked for in this session. */
  #photos = new Set<string>()

  /**
   * The customer's profile photo, asked once per session (and again when
   * WhatsApp says it changed), off the message path: a slow or refused
   * lookup (privacy settings) must not delay the inbox.
   */
  #refreshPhoto(jid: string, contact: ContactIdentity, force = false) {
    const socket = this.options.socket()
    if (!socket || isJidGroup(jid) || (!force && this.#photos.has(jid))) return
    if (this.#photos.size > 20_000) this.#photos.clear()
    this.#photos.add(jid)
    socket
      .profilePictureUrl(jid, 'preview', 10_000)
      .then(async (url) => {
        if (!url) return
        await this.options.ingest.contact(this.options.connectionId, {
          contact: { waId: contact.waId, lid: contact.lid, profilePhotoUrl: url },
          create: false,
        })
      })
      // No photo, or hidden by the customer's privacy settings: Baileys throws, nothing to store.
      .catch(() => undefined)
  }

  /** The other form of a user id from Baileys' stored `lid-mapping` keys, cached per session. */
  async #mapped(user: string, direction: 'lidForPn' | 'pnForLid') {
    const cacheKey = `${direction}:${user}`
    const cached = this.#mappings.get(cacheKey)
    if (cached && cached.until > Date.now()) return cached.value
    const found = await lookupLidMapping(this.options.db, this.options.connectionId, user)
    const value = userOf(found[direction]) ?? found[direction]
    if (this.#mappings.size > 20_000) this.#mappings.clear()
    this.#mappings.set(cacheKey, {
      value,
      until: value ? Number.POSITIVE_INFINITY : Date.now() + 30_000,
    })
    return value
  }

  /** Both ids when known: the event's alt JID first, then the LID mapping Baileys stored. */
  async identity(message: WAMessage): Promise<ContactIdentity | null> {
    const ids = identityFromKey(message.key)
    if (ids.lid && !ids.waId) ids.waId = await this.#mapped(ids.lid, 'pnForLid')
    else if (ids.waId && !ids.lid) ids.lid = await this.#mapped(ids.waId, 'lidForPn')
    if (!ids.waId && !ids.lid) return null
    return {
      waId: ids.waId,
      lid: ids.lid,
      profileName: message.key.fromMe ? null : (message.pushName ?? null),
    }
  }

  async updates(updates: BaileysEventMap['messages.update']) {
    for (const { key, update } of updates) {
      if (!key.id) continue
      const revision = revisionOf(update)
      if (revision) {
        await this.options.ingest.revision(this.options.connectionId, {
          externalId: key.id,
          ...revision,
        })
        continue
      }
      if (!key.fromMe) continue
      const status = mapStatus(update.status)
      if (!status) continue
      await this.options.ingest.status(this.options.connectionId, {
        externalId: key.id,
        status,
        at: update.messageTimestamp ? timestampOf(update.messageTimestamp) : new Date(),
        errorCode: status === 'failed' ? (update.messageStubParameters?.[0] ?? null) : null,
        errorReason:
          status === 'failed'
            ? `WhatsApp refused the message (${update.messageStubParameters?.[0] ?? 'error'})`
            : null,
      })
    }
  }

  /** Group and broadcast receipts, one per participant. */
  async receipts(receipts: BaileysEventMap['message-receipt.update']) {
    for (const { key, receipt } of receipts) {
      if (!key.id || !key.fromMe) continue
      const read = receipt.readTimestamp ?? receipt.playedTimestamp
      const status = read ? 'read' : receipt.receiptTimestamp ? 'delivered' : null
      if (!status) continue
      await this.options.ingest.status(this.options.connectionId, {
        externalId: key.id,
        status,
        at: timestampOf(read ?? receipt.receiptTimestamp),
      })
    }
  }

  async lidMapping({ lid, pn }: BaileysEventMap['lid-mapping.update']) {
    const lidUser = userOf(lid)
    const pnUser = userOf(pn)
    if (lidUser && pnUser) {
      this.#mappings.set(`pnForLid:${lidUser}`, { value: pnUser, until: Number.POSITIVE_INFINITY })
      this.#mappings.set(`lidForPn:${pnUser}`, { value: lidUser, until: Number.POSITIVE_INFINITY })
    }
    // Only links identities of a contact that exists; an address book is not a customer list.
    await this.options.ingest.contact(this.options.connectionId, {
      contact: identityOfJids([lid, pn]),
      create: false,
    })
  }

  async contactUpdate(contact: BaileysEventMap['contacts.update'][number]) {
    const identity = identityOfJids([contact.id, contact.lid, contact.phoneNumber])
    if (!identity.lid && !identity.waId) return
    identity.profileName = contact.notify ?? contact.verifiedName ?? null
    if (contact.username) identity.username = contact.username
    if (contact.imgUrl && contact.imgUrl !== 'changed') identity.profilePhotoUrl = contact.imgUrl
    if (contact.imgUrl === 'changed' && contact.id) this.#refreshPhoto(contact.id, identity, true)
    await this.options.ingest.contact(this.options.connectionId, {
      contact: identity,
      create: false,
    })
  }

  async calls(calls: BaileysEventMap['call']) {
    for (const call of calls) {
      const status = mapCallStatus(call.status)
      if (!status || call.isGroup) continue
      const contact = identityOfJids([call.from, call.callerPn, call.chatId])
      if (!contact.lid && !contact.waId) continue
      await this.options.ingest.call(this.options.connectionId, {
        callId: call.id,
        contact,
        direction: 'in',
        status,
        at: call.date instanceof Date ? call.date : new Date(call.date),
        isVideo: !!call.isVideo,
        // The caller's JID as WhatsApp gave it: declining the call needs it back.
        metadata: { offline: call.offline, callFrom: call.from },
      })
    }
  }

  /**
   * WhatsApp could not decrypt it yet: Baileys asks the phone to re-send,
   * and the real message arrives later with the same key id. Only if it
   * never does is a readable placeholder stored, never a blank message.
   */
  #waitForRetry(message: WAMessage, historical: boolean) {
    const id = message.key.id!
    if (this.#pendingStubs.has(id)) return
    const timer = setTimeout(() => {
      this.#pendingStubs.delete(id)
      this.#placeholder(message, historical).catch((error) =>
        this.options.logger.warn(
          { err: error },
          'baileys: storing an undecryptable placeholder failed'
        )
      )
    }, this.options.runtime.undecryptableGraceMs)
    timer.unref()
    this.#pendingStubs.set(id, timer)
  }

  async #placeholder(message: WAMessage, historical: boolean) {
    const contact = await this.identity(message)
    if (!contact) return
    await this.options.ingest.message(this.options.connectionId, {
      externalId: message.key.id!,
      direction: message.key.fromMe ? 'out' : 'in',
      contact,
      kind: 'unsupported',
      // The timeline labels an unsupported message in the reader's language: never a blank bubble.
      body: null,
      at: timestampOf(message.messageTimestamp),
      historical,
      metadata: {
        undecryptable: true,
        stubParameters: message.messageStubParameters ?? [],
        unsupported: { type: 'ciphertext' },
      },
    })
  }

  #cancelStub(id: string) {
    const timer = this.#pendingStubs.get(id)
    if (timer) clearTimeout(timer)
    this.#pendingStubs.delete(id)
  }

  pendingUndecryptable() {
    return this.#pendingStubs.size
  }

  stop() {
    for (const timer of this.#pendingStubs.values()) clearTimeout(timer)
    this.#pendingStubs.clear()
  }

  async #download(
    message: WAMessage,
    media: NonNullable<ReturnType<typeof mapMessage>>['media'] & object
  ) {
    const providerMediaId = null
    const socket = this.options.socket()
    try {
      if (!socket) throw new Error('not connected')
      const bytes = await this.options.runtime.download(message, socket, this.options.logger)
      const mime = media.mime?.split(';')[0].trim() || 'application/octet-stream'
      const stored = await this.options.media.put(bytes, {
        mime,
        ext: extensionFor(media.mime, media.type),
        filename: media.filename,
        at: timestampOf(message.messageTimestamp),
      })
      return { ...stored, providerMediaId }
    } catch (error) {
      // The message is still stored (with its caption); the file stays fetchable from the raw message.
      this.options.logger.warn({ err: error, id: message.key.id }, 'baileys: media download failed')
      return { mime: media.mime, filename: media.filename, providerMediaId: message.key.id ?? null }
    }
  }
}
