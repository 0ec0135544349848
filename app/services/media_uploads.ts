import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import mediaPolicy, { type CheckOptions, type MediaKind } from '#services/media_policy'
import mediaStore, { type StoredMedia } from '#services/media_store'

/** How long an upload waits for its message. */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000

export interface UploadReceipt {
  /** Opaque; the composer sends it back with the message. */
  token: string
  kind: MediaKind
  mime: string
  size: number
  filename: string | null
}

export interface ClaimedUpload {
  token: string
  userId: number
  expiresAt: Date
  kind: MediaKind
  /** Ready for OutboundService.submit({ media }). */
  media: Omit<StoredMedia, 'filename'> & { filename: string | null }
}

/**
 * The composer's attachments: validate (MediaPolicy) → store (MediaStore) →
 * a `media_uploads` row owned by the uploader, referenced by a random token.
 * Nothing is written to disk or the database when the file is refused.
 */
export class MediaUploads {
  async create(
    userId: number,
    source: Buffer | string,
    clientName?: string | null,
    options: CheckOptions = {}
  ): Promise<UploadReceipt> {
    const accepted = await mediaPolicy.check(source, options)
    const stored = await mediaStore.put(source, {
      mime: accepted.mime,
      ext: accepted.ext,
      filename: clientName,
    })
    const token = randomBytes(24).toString('base64url')
    await db.table('media_uploads').insert({
      token,
      user_id: userId,
      kind: accepted.kind,
      path: stored.path,
      mime: stored.mime,
      size: stored.size,
      filename: stored.filename,
      sha256: stored.sha256,
      expires_at: new Date(Date.now() + UPLOAD_TTL_MS),
    })
    // Uploads nobody sent expire; sweeping them here (indexed on expires_at) needs no scheduler.
    await this.prune()
    return {
      token,
      kind: accepted.kind,
      mime: stored.mime,
      size: stored.size,
      filename: stored.filename,
    }
  }

  /**
   * The upload behind a token, if it belongs to `userId` and has not expired;
   * it is consumed (a token sends one message). Null otherwise.
   */
  async claim(token: string, userId: number): Promise<ClaimedUpload | null> {
    const rows = await db
      .from('media_uploads')
      .where('token', token)
      .where('user_id', userId)
      .where('expires_at', '>', new Date())
      .delete()
      .returning(['kind', 'path', 'mime', 'size', 'filename', 'sha256', 'expires_at'])
    const row = rows[0]
    if (!row) return null
    return {
      token,
      userId,
      expiresAt: row.expires_at,
      kind: row.kind,
      media: {
        path: row.path,
        mime: row.mime,
        size: Number(row.size),
        filename: row.filename,
        sha256: row.sha256,
      },
    }
  }

  /**
   * Gives a claimed upload back (the message using it was refused), so the
   * agent can correct the text and send again without re-uploading.
   */
  async release(claimed: ClaimedUpload): Promise<void> {
    await db
      .table('media_uploads')
      .insert({
        token: claimed.token,
        user_id: claimed.userId,
        kind: claimed.kind,
        path: claimed.media.path,
        mime: claimed.media.mime,
        size: claimed.media.size,
        filename: claimed.media.filename,
        sha256: claimed.media.sha256,
        expires_at: claimed.expiresAt,
      })
      .onConflict('token')
      .ignore()
  }

  /** Drops expired rows (files stay: content-addressed, possibly shared). */
  async prune(now = new Date()): Promise<number> {
    const rows = await db.from('media_uploads').where('expires_at', '<=', now).delete()
    return Array.isArray(rows) ? rows.length : Number(rows)
  }
}

export default new MediaUploads()
