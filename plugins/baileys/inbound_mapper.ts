import {
  getContentType,
  isJidGroup,
  isLidUser,
  isPnUser,
  jidDecode,
  normalizeMessageContent,
  proto,
  type WAMessage,
  type WAMessageKey,
} from '@whiskeysockets/baileys'
import type {
  ContactIdentity,
  InboundKind,
  IngestedStatus,
  NormalizedCall,
} from '#channels/ingest_port'

/** Content types that carry nothing to show (key distribution, protocol notices, edits…). */
const SILENT = new Set([
  'protocolMessage',
  'senderKeyDistributionMessage',
  'messageContextInfo',
  'keepInChatMessage',
  'pollUpdateMessage',
  'encReactionMessage',
])

export type MediaType = 'image' | 'audio' | 'video' | 'document' | 'sticker'

/** What one WAMessage becomes, before media is downloaded and the contact resolved. */
export interface MappedMessage {
  kind: InboundKind
  body: string | null
  replyTo: { externalId: string } | null
  /** The Baileys content holding a file to download, when the kind carries one. */
  media: { type: MediaType; mime: string | null; filename: string | null } | null
  metadata: Record<string, unknown>
}

/** The user part of a JID, without device: '5511987654321:3@s.whatsapp.net' → '5511987654321'. */
export function userOf(jid: string | null | undefined) {
  return jid ? (jidDecode(jid)?.user ?? null) : null
}

/**
 * The customer's identities as the key gives them: v7 addresses 1:1 chats
 * by LID or by phone, with the other form in `remoteJidAlt` when WhatsApp
 * sent it (CONTRACTS.md B.7). Groups name the sender in `participant(Alt)`.
 */
export function identityFromKey(key: WAMessageKey): { waId: string | null; lid: string | null } {
  const group = isJidGroup(key.remoteJid ?? undefined)
  const jids = group ? [key.participant, key.participantAlt] : [key.remoteJid, key.remoteJidAlt]
  let waId: string | null = null
  let lid: string | null = null
  for (const jid of jids) {
    if (!jid) continue
    if (isLidUser(jid)) lid ??= userOf(jid)
    else if (isPnUser(jid) || jid.endsWith('@c.us')) waId ??= userOf(jid)
  }
  return { waId, lid }
}

export function isUndecryptable(message: WAMessage) {
  return message.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT && !message.message
}

function contextOf(content: Record<string, unknown> | null | undefined) {
  const info = (content as { contextInfo?: proto.IContextInfo } | null)?.contextInfo
  return info?.stanzaId ? { externalId: info.stanzaId } : null
}

/**
 * WAMessage → the core's kinds (CONTRACTS.md B.3 "content extraction").
 * Returns null for messages with nothing to show (they are not stored).
 */
export function mapMessage(message: WAMessage): MappedMessage | null {
  const content = normalizeMessageContent(message.message)
  if (!content) return null
  const type = getContentType(content)
  if (!type || SILENT.has(type)) return null
  const metadata: Record<string, unknown> = { baileysType: type }

  switch (type) {
    case 'conversation':
      return {
        kind: 'text',
        body: content.conversation ?? '',
        replyTo: null,
        media: null,
        metadata,
      }
    case 'extendedTextMessage': {
      const text = content.extendedTextMessage!
      return {
        kind: 'text',
        body: text.text ?? '',
        replyTo: contextOf(text as Record<string, unknown>),
        media: null,
        metadata,
      }
    }
    case 'imageMessage':
    case 'videoMessage':
    case 'audioMessage':
    case 'documentMessage':
    case 'stickerMessage': {
      const media = content[type] as {
        mimetype?: string | null
        caption?: string | null
        fileName?: string | null
        ptt?: boolean | null
        seconds?: number | null
      }
      const mediaType = type.replace('Message', '') as MediaType
      const kind: InboundKind = mediaType === 'audio' ? (media.ptt ? 'voice' : 'audio') : mediaType
      if (media.seconds) metadata.seconds = media.seconds
      return {
        kind,
        body: media.caption ?? null,
        replyTo: contextOf(media as Record<string, unknown>),
        media: { type: mediaType, mime: media.mimetype ?? null, filename: media.fileName ?? null },
        metadata,
      }
    }
    case 'reactionMessage': {
      const reaction = content.reactionMessage!
      // A removed reaction (empty text) is not a message to show.
      if (!reaction.text || !reaction.key?.id) return null
      return {
        kind: 'reaction',
        body: reaction.text,
        replyTo: { externalId: reaction.key.id },
        media: null,
        metadata,
      }
    }
    case 'locationMessage':
    case 'liveLocationMessage': {
      const location = (content.locationMessage ?? content.liveLocationMessage)!
      const name = (location as proto.Message.ILocationMessage).name ?? null
      return {
        kind: 'location',
        body: name,
        replyTo: null,
        media: null,
        metadata: {
          ...metadata,
          location: {
            latitude: location.degreesLatitude,
            longitude: location.degreesLongitude,
            name,
            address: (location as proto.Message.ILocationMessage).address ?? null,
          },
        },
      }
    }
    case 'contactMessage':
    case 'contactsArrayMessage': {
      const contacts = content.contactMessage
        ? [content.contactMessage]
        : (content.contactsArrayMessage?.contacts ?? [])
      return {
        kind: 'contacts',
        body:
          contacts
            .map((c) => c.displayName)
            .filter(Boolean)
            .join(', ') || null,
        replyTo: null,
        media: null,
        metadata: { ...metadata, contacts: contacts.map((c) => c.vcard).filter(Boolean) },
      }
    }
    default:
      return {
        kind: 'unsupported',
        body: null,
        replyTo: null,
        media: null,
        metadata: { ...metadata, unsupported: { type } },
      }
  }
}

/** Seconds (number, string or Long) → Date; now when absent. */
export function timestampOf(value: unknown): Date {
  const seconds = Number(
    typeof value === 'object' && value !== null ? value.toString() : (value ?? Number.NaN)
  )
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date()
}

/** WAMessageStatus → the core's statuses (CONTRACTS.md B.6); PENDING says nothing new. */
export function mapStatus(status: number | null | undefined): IngestedStatus | null {
  switch (status) {
    case proto.WebMessageInfo.Status.ERROR:
      return 'failed'
    case proto.WebMessageInfo.Status.SERVER_ACK:
      return 'sent'
    case proto.WebMessageInfo.Status.DELIVERY_ACK:
      return 'delivered'
    case proto.WebMessageInfo.Status.READ:
    case proto.WebMessageInfo.Status.PLAYED:
      return 'read'
    default:
      return null
  }
}

/** Baileys call statuses → the core's (the `call` event). */
export function mapCallStatus(status: string): NormalizedCall['status'] | null {
  const map: Record<string, NormalizedCall['status']> = {
    offer: 'offer',
    ringing: 'ringing',
    accept: 'accepted',
    reject: 'rejected',
    timeout: 'missed',
    terminate: 'ended',
  }
  return map[status] ?? null
}

export function identityOfJids(jids: (string | null | undefined)[]): ContactIdentity {
  const identity: ContactIdentity = {}
  for (const jid of jids) {
    if (!jid) continue
    if (isLidUser(jid)) identity.lid ??= userOf(jid)
    else if (isPnUser(jid)) identity.waId ??= userOf(jid)
  }
  return identity
}

/** A file extension for a WhatsApp mimetype ('audio/ogg; codecs=opus' → 'ogg'). */
export function extensionFor(mime: string | null, type: MediaType) {
  const base = (mime ?? '').split(';')[0].trim().toLowerCase()
  const known: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'audio/ogg': 'ogg',
    'audio/mpeg': 'mp3',
    'audio/mp4': 'm4a',
    'audio/aac': 'aac',
    'video/mp4': 'mp4',
    'video/3gpp': '3gp',
    'application/pdf': 'pdf',
  }
  if (known[base]) return known[base]
  const sub = base.split('/')[1]?.replace(/[^a-z0-9]/g, '')
  return sub && sub.length <= 5 ? sub : type === 'sticker' ? 'webp' : 'bin'
}

/**
 * An edit or a deletion for everyone, as Baileys reports them in
 * `messages.update` (its process-message: REVOKE → `message: null` with
 * `messageStubType` REVOKE; MESSAGE_EDIT → `message.editedMessage.message`
 * holding the new content). Null for any other update (statuses…).
 */
export function revisionOf(
  update: Partial<WAMessage>
): { at: Date; revoked?: true; body?: string } | null {
  if (update.messageStubType === proto.WebMessageInfo.StubType.REVOKE) {
    return { at: new Date(), revoked: true }
  }
  const edited = update.message?.editedMessage?.message
  if (!edited) return null
  const content = normalizeMessageContent(edited)
  const body =
    content?.conversation ??
    content?.extendedTextMessage?.text ??
    content?.imageMessage?.caption ??
    content?.videoMessage?.caption ??
    content?.documentMessage?.caption ??
    null
  if (body === null) return null
  return { at: update.messageTimestamp ? timestampOf(update.messageTimestamp) : new Date(), body }
}
