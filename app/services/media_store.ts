import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import app from '@adonisjs/core/services/app'

export interface StoredMedia {
  /** Relative to the media root (`YYYY/MM/<sha256>.<ext>`): what goes in messages.media_path. */
  path: string
  mime: string
  size: number
  sha256: string
  filename: string | null
}

export interface PutOptions {
  mime: string
  /** Extension without the dot, from the sniffed type (never the client's name). */
  ext: string
  /** The original name, kept for downloads; sanitized here. */
  filename?: string | null
  /** Which month folder to use; now by default. */
  at?: Date
}

/**
 * Media files on disk under `${CHASQUI_STORAGE_PATH}/media`, content-addressed
 * (`YYYY/MM/<sha256>.<ext>`): the same bytes in the same month are stored
 * once. Writes go to a temp file in the target folder and are renamed into
 * place, so a reader never sees half a file. Callers: uploads (after
 * MediaPolicy), and channel plugins storing downloaded inbound media.
 */
export class MediaStore {
  #root: string | null = null

  /** The media root; tests point it at a temp dir. */
  get root(): string {
    return this.#root ?? join(process.env.CHASQUI_STORAGE_PATH || app.makePath('storage'), 'media')
  }

  useRoot(root: string | null) {
    this.#root = root
  }

  /** Stores a Buffer or a copy of a file on disk (the source file is left alone). */
  async put(source: Buffer | string, options: PutOptions): Promise<StoredMedia> {
    const sha256 = typeof source === 'string' ? await hashFile(source) : hashBuffer(source)
    const at = options.at ?? new Date()
    const ext = options.ext.replace(/[^a-z0-9]/gi, '').toLowerCase() || 'bin'
    const path = [
      String(at.getUTCFullYear()),
      String(at.getUTCMonth() + 1).padStart(2, '0'),
      `${sha256}.${ext}`,
    ].join('/')
    const target = this.absolutePath(path)
    let size: number
    const existing = await stat(target).catch(() => null)
    if (existing) {
      size = existing.size
    } else {
      await mkdir(dirname(target), { recursive: true })
      const temp = join(dirname(target), `.${sha256}.${randomBytes(6).toString('hex')}.tmp`)
      try {
        if (typeof source === 'string') await copyFile(source, temp)
        else await writeFile(temp, source)
        await rename(temp, target)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
      size = (await stat(target)).size
    }
    return { path, mime: options.mime, size, sha256, filename: safeFilename(options.filename) }
  }

  /** The absolute path of a stored file; refuses anything escaping the root. */
  absolutePath(relative: string): string {
    const clean = normalize(relative)
    if (!relative || isAbsolute(relative) || clean.startsWith('..') || clean.includes(`..${sep}`)) {
      throw new Error(`Invalid media path: ${relative}`)
    }
    return join(this.root, clean)
  }

  async exists(relative: string): Promise<boolean> {
    try {
      return (await stat(this.absolutePath(relative))).isFile()
    } catch {
      return false
    }
  }

  /**
   * A read stream of a stored file (errors if it is missing: check `exists`
   * first), optionally of the bytes `start`..`end` (inclusive) for range requests.
   */
  stream(relative: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.absolutePath(relative), range)
  }
}

/** A display/download name: no folders, no control characters, at most 255 chars. */
export function safeFilename(name: string | null | undefined): string | null {
  if (!name) return null
  const clean = basename(name.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 255)
  return clean || null
}

function hashBuffer(buffer: Buffer) {
  return createHash('sha256').update(buffer).digest('hex')
}

async function hashFile(path: string) {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

export default new MediaStore()
