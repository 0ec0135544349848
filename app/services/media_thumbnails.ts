import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import sharp from 'sharp'
import mediaStore from '#services/media_store'
import { SingleFlight } from '#services/single_flight'

/** The timeline shows pictures at most ~320 px wide; twice that stays sharp on dense screens. */
const MAX_SIDE = 640
/** Still pictures only: animated stickers and GIFs keep their frames by being sent as they are. */
const THUMBNAILED = /^image\/(jpeg|png|webp)$/

/**
 * Small WebP copies of message pictures for the timeline, so a chat full of
 * 5 MB photos opens fast on a phone. Made on first request and kept beside
 * the media (`thumbnails/<media path>.webp`, the original is content-
 * addressed, so the copy never goes stale); written to a temp name and
 * renamed, and made once however many agents open the chat at the same time.
 */
export class MediaThumbnails {
  #making = new SingleFlight()

  /** The stored thumbnail's path, or null when there is none to make (the original is served). */
  async of(mediaPath: string, mime: string | null): Promise<string | null> {
    if (!mime || !THUMBNAILED.test(mime)) return null
    const path = `thumbnails/${mediaPath}.webp`
    if (await mediaStore.exists(path)) return path
    return this.#making.run(path, () => this.#make(mediaPath, path))
  }

  async #make(mediaPath: string, path: string): Promise<string | null> {
    const target = mediaStore.absolutePath(path)
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await mkdir(dirname(target), { recursive: true })
      const source = mediaStore.absolutePath(mediaPath)
      if (!(await stat(source)).isFile()) return null
      await sharp(source, { failOn: 'error', limitInputPixels: 50_000_000 })
        .rotate()
        .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toFile(temp)
      await rename(temp, target)
      return path
    } catch {
      // A picture the decoder refuses is still shown: the original goes out instead.
      await rm(temp, { force: true })
      return null
    }
  }
}

export default new MediaThumbnails()
