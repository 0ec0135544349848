import { open, stat } from 'node:fs/promises'
import { fileTypeFromBuffer } from 'file-type'
import { RuleViolationException } from '#exceptions/rule_violation_exception'

/** What an agent may attach (R-MSG-2). Videos are never accepted. */
export type MediaKind = 'image' | 'document' | 'audio' | 'voice'

export interface CheckOptions {
  /**
   * The file was recorded in the browser as a voice note: an Opus recording
   * (WebM/Opus from Chromium's MediaRecorder, Ogg/Opus from Firefox) becomes
   * kind `voice`. Any other audio stays `audio`.
   */
  voice?: boolean
}

const MB = 1024 * 1024

/** Per-kind size limits (WhatsApp's own limits for images, documents and audio). */
export const MEDIA_LIMITS: Record<MediaKind, number> = {
  image: 5 * MB,
  document: 16 * MB,
  audio: 16 * MB,
  voice: 16 * MB,
}

/** Containers a browser voice recording comes in (what `voice: true` turns into kind `voice`). */
const VOICE_MIMES = new Set(['audio/webm', 'audio/ogg; codecs=opus'])

/** The real content types accepted, by sniffed mime → kind and stored extension. */
const ACCEPTED: Record<string, { kind: MediaKind; mime: string; ext: string }> = {
  'image/jpeg': { kind: 'image', mime: 'image/jpeg', ext: 'jpg' },
  'image/png': { kind: 'image', mime: 'image/png', ext: 'png' },
  'image/webp': { kind: 'image', mime: 'image/webp', ext: 'webp' },
  'application/pdf': { kind: 'document', mime: 'application/pdf', ext: 'pdf' },
  'audio/ogg; codecs=opus': { kind: 'audio', mime: 'audio/ogg; codecs=opus', ext: 'ogg' },
  'audio/ogg': { kind: 'audio', mime: 'audio/ogg', ext: 'ogg' },
  'audio/mpeg': { kind: 'audio', mime: 'audio/mpeg', ext: 'mp3' },
  'audio/aac': { kind: 'audio', mime: 'audio/aac', ext: 'aac' },
  'audio/mp4': { kind: 'audio', mime: 'audio/mp4', ext: 'm4a' },
  'audio/x-m4a': { kind: 'audio', mime: 'audio/mp4', ext: 'm4a' },
}

export interface AcceptedMedia {
  kind: MediaKind
  /** The sniffed content type (never the browser's or the extension's). */
  mime: string
  ext: string
  size: number
}

export type MediaRefusal = 'video_refused' | 'type_refused' | 'too_large' | 'empty'

/**
 * A refused file: a translated rule violation on the `file` field
 * (`media.errors.<reason>`), so HTTP callers can render it and plugins can
 * read `reason`.
 */
export class MediaRefusedException extends RuleViolationException {
  constructor(
    readonly reason: MediaRefusal,
    data: Record<string, unknown> = {}
  ) {
    super(`media.errors.${reason}`, 'file', data)
  }
}

/**
 * Validates attachments by their bytes (file-type), never by name or the
 * declared mime: a video renamed `.jpg` is still a video. Containers shared by
 * audio and video (MP4, WebM, Ogg) are accepted only when they hold no video
 * track — a browser voice note is WebM/Opus or Ogg/Opus.
 */
export class MediaPolicy {
  /** Checks a Buffer or a file on disk; throws MediaRefusedException when refused. */
  async check(source: Buffer | string, options: CheckOptions = {}): Promise<AcceptedMedia> {
    const bytes = typeof source === 'string' ? await readAll(source) : source
    if (bytes.length === 0) throw new MediaRefusedException('empty')
    const sniffed = await fileTypeFromBuffer(bytes)
    const accepted = classify(sniffed?.mime, bytes)
    if (accepted === 'video') throw new MediaRefusedException('video_refused')
    if (!accepted) throw new MediaRefusedException('type_refused')
    const limit = MEDIA_LIMITS[accepted.kind]
    if (bytes.length > limit) {
      throw new MediaRefusedException('too_large', { max: Math.round(limit / MB) })
    }
    const kind = options.voice && VOICE_MIMES.has(accepted.mime) ? 'voice' : accepted.kind
    return { ...accepted, kind, size: bytes.length }
  }

  /** The same verdict without throwing: null when accepted, else the refusal. */
  async refusal(source: Buffer | string): Promise<MediaRefusedException | null> {
    try {
      await this.check(source)
      return null
    } catch (error) {
      if (error instanceof MediaRefusedException) return error
      throw error
    }
  }
}

/** Any web address: http(s)://… or www.… (R-MSG-2: links are never sent). */
const LINK = /(https?:\/\/|\bwww\.)/i

/** True when the text holds a web address (the "links are refused" rule). */
export function containsLink(text: string | null | undefined): boolean {
  return !!text && LINK.test(text)
}

function classify(
  mime: string | undefined,
  bytes: Buffer
): { kind: MediaKind; mime: string; ext: string } | 'video' | null {
  if (!mime) return null
  if (ACCEPTED[mime]) return ACCEPTED[mime]
  const latin = bytes.toString('latin1')
  if (mime === 'video/mp4' || mime === 'video/quicktime') {
    // ISO BMFF: the handler box (hdlr) names each track's type: 'vide' or 'soun'.
    const handlers = [...latin.matchAll(/hdlr[\s\S]{8}(vide|soun)/g)].map((m) => m[1])
    if (handlers.length && !handlers.includes('vide')) return ACCEPTED['audio/mp4']
    return 'video'
  }
  if (mime === 'video/webm' || mime === 'video/matroska') {
    // EBML CodecID (0x86) elements: V_… video, A_… audio.
    if (/\x86[\x81-\xbf]V_/.test(latin)) return 'video'
    if (mime === 'video/webm' && /\x86[\x81-\xbf]A_/.test(latin)) {
      return { kind: 'audio', mime: 'audio/webm', ext: 'webm' }
    }
    return 'video'
  }
  if (mime.startsWith('video/')) return 'video'
  return null
}

/** Reads a file whole, refusing anything far beyond the largest limit without loading it. */
async function readAll(path: string): Promise<Buffer> {
  const { size } = await stat(path)
  const cap = Math.max(...Object.values(MEDIA_LIMITS)) * 3
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(Math.min(size, cap))
    // Past the cap only the head is read: enough to sniff, and the size check refuses it anyway.
    await handle.read(buffer, 0, buffer.length, 0)
    return buffer
  } finally {
    await handle.close()
  }
}

export default new MediaPolicy()
