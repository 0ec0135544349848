import type { InboundMedia } from '#channels/ingest_port'
import type { MetaNumber } from '../numbers/meta_numbers.js'
import metaNumbers from '../numbers/meta_numbers.js'
import { metaContext } from '../plugin_context.js'

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
}

/**
 * Inbound media, two steps (A.8): `GET /{media-id}` gives a short-lived URL,
 * fetched with the same Bearer token; stored at once because webhook media
 * ids expire after 7 days.
 */
export async function fetchMedia(
  number: MetaNumber,
  mediaId: string,
  hint: { mime?: string | null; filename?: string | null; at?: Date }
): Promise<InboundMedia> {
  const graph = metaNumbers.graphFor(number)
  const info = await graph.get<{ url: string; mime_type?: string; file_size?: number | string }>(
    mediaId,
    { phone_number_id: number.phoneNumberId }
  )
  const file = await graph.download(info.url)
  const mime = (info.mime_type ?? hint.mime ?? file.mime ?? 'application/octet-stream')
    .split(';')[0]
    .trim()
  const stored = await metaContext().ports.media.put(file.bytes, {
    mime,
    ext: EXTENSIONS[mime] ?? mime.split('/')[1] ?? 'bin',
    filename: hint.filename ?? null,
  })
  return {
    path: stored.path,
    mime: stored.mime,
    size: stored.size,
    sha256: stored.sha256,
    filename: stored.filename,
    providerMediaId: mediaId,
  }
}
