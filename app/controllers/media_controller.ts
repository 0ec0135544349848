import { contentDisposition } from '#services/content_disposition'
import type { HttpContext } from '@adonisjs/core/http'
import Message from '#models/message'
import conversationAccess from '#services/conversation_access'
import mediaStore from '#services/media_store'
import mediaThumbnails from '#services/media_thumbnails'
import mediaUploads from '#services/media_uploads'
import { MediaRefusedException } from '#services/media_policy'

/** Shown in the browser; everything else is downloaded. */
const INLINE = /^(image\/(jpeg|png|webp|gif)|audio\/|video\/)/

/**
 * Message media: uploads from the composer (validated, stored, returned as
 * an opaque token) and serving a message's file to whoever may see its
 * conversation — 404 for everyone else, so existence is not revealed.
 */
export default class MediaController {
  async store({ request, response, auth, i18n }: HttpContext) {
    const file = request.file('file')
    if (!file || !file.tmpPath) {
      return response.unprocessableEntity({
        code: 'missing_file',
        error: i18n.t('media.errors.missing_file'),
      })
    }
    try {
      // `voice=1`: recorded in the browser's composer, so an Opus recording is a voice note.
      const voice = ['1', 'true'].includes(String(request.input('voice', '')))
      const receipt = await mediaUploads.create(auth.user!.id, file.tmpPath, file.clientName, {
        voice,
      })
      return response.created(receipt)
    } catch (error) {
      if (error instanceof MediaRefusedException) {
        return response.unprocessableEntity({
          code: error.reason,
          error: error.translate((key, data) => i18n.t(key, data)),
        })
      }
      throw error
    }
  }

  async show({ params, request, response, auth }: HttpContext) {
    const message = await Message.query()
      .where('id', params.id)
      .select('id', 'conversation_id', 'media_path', 'media_mime', 'media_size', 'media_filename')
      .first()
    if (
      !message?.mediaPath ||
      !(await conversationAccess.mayView(auth.user, message.conversationId)) ||
      !(await mediaStore.exists(message.mediaPath))
    ) {
      return response.notFound('Not found')
    }
    const mime = message.mediaMime || 'application/octet-stream'
    // `?size=thumb`: the timeline's small copy of a picture (the original when none can be made).
    const thumbnail =
      request.input('size') === 'thumb'
        ? await mediaThumbnails.of(message.mediaPath, message.mediaMime)
        : null
    if (thumbnail) {
      response.header('Content-Type', 'image/webp')
      response.header('X-Content-Type-Options', 'nosniff')
      response.header('Content-Security-Policy', "default-src 'none'; sandbox")
      response.header('Cache-Control', 'private, max-age=86400')
      return response.stream(mediaStore.stream(thumbnail))
    }
    const disposition = INLINE.test(mime) ? 'inline' : 'attachment'
    response.header('Content-Type', mime)
    response.header('Content-Disposition', contentDisposition(disposition, message.mediaFilename))
    response.header('X-Content-Type-Options', 'nosniff')
    response.header('Content-Security-Policy', "default-src 'none'; sandbox")
    response.header('Cache-Control', 'private, max-age=3600')
    response.header('Accept-Ranges', 'bytes')
    const size = message.mediaSize ?? null
    // Audio players seek (and Safari plays at all) only with byte ranges.
    const range = size ? byteRange(request.header('range'), size) : null
    if (range === 'unsatisfiable') {
      response.header('Content-Range', `bytes */${size}`)
      return response.status(416).send('')
    }
    if (range) {
      response.status(206)
      response.header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      response.header('Content-Length', String(range.end - range.start + 1))
      return response.stream(mediaStore.stream(message.mediaPath, range))
    }
    if (size) response.header('Content-Length', String(size))
    return response.stream(mediaStore.stream(message.mediaPath))
  }
}

/**
 * One `bytes=` range of RFC 9110 (`start-end`, `start-`, `-suffix`); null
 * when there is none or it is not a single byte range (the whole file is
 * sent), 'unsatisfiable' when it starts past the end.
 */
export function byteRange(
  header: string | undefined,
  size: number
): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/)
  if (!match || (!match[1] && !match[2])) return null
  let start: number
  let end: number
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]))
    end = size - 1
  } else {
    start = Number(match[1])
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1
  }
  if (start >= size || start > end) return 'unsatisfiable'
  return { start, end }
}
