/*
| `ctx.ports.media`: how channel plugins keep message files (docs/PLUGINS.md).
| Files live in the core's content-addressed media store; a plugin reports
| the returned `path` in `ingest.message({ media })` and reads the files of
| outbound messages (OutboundMessage.media.path) back through `read()` or `stream()`.
*/
import type { ReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import mediaPolicy, { MediaRefusedException, type MediaKind } from '#services/media_policy'
import mediaStore, { type StoredMedia } from '#services/media_store'
import { contentDisposition } from '#services/content_disposition'

export interface AcceptedInboundMedia extends StoredMedia {
  kind: MediaKind
}

export interface MediaPort {
  /**
   * Checks a file against the agents' attachment policy (image, PDF, audio;
   * videos refused; type sniffed from the bytes) and stores it. Throws
   * MediaRefusedException (`reason`, translated `media.errors.*`) when refused.
   */
  accept(
    source: Buffer | string,
    options?: { filename?: string | null; voice?: boolean }
  ): Promise<AcceptedInboundMedia>
  /** True for the refusal `accept()` throws: `translate()` gives the reason to show people. */
  isRefusal(error: unknown): error is MediaRefusedException
  /**
   * Stores a file as the provider delivered it (any type: customers may send
   * videos). `at` picks the month folder: the provider's time for history.
   */
  put(
    source: Buffer | string,
    options: { mime: string; ext: string; filename?: string | null; at?: Date }
  ): Promise<StoredMedia>
  exists(path: string): Promise<boolean>
  /** A stored file's bytes (check `exists` first). */
  stream(path: string): ReadStream
  /** A stored file's bytes at once, for providers that upload a Buffer. */
  read(path: string): Promise<Buffer>
  /** The Content-Disposition header the core serves message files with (RFC 6266 filename*). */
  contentDisposition(type: 'inline' | 'attachment', filename: string | null): string
}

export const mediaPort: MediaPort = {
  async accept(source, options = {}) {
    const accepted = await mediaPolicy.check(source, { voice: options.voice })
    const stored = await mediaStore.put(source, {
      mime: accepted.mime,
      ext: accepted.ext,
      filename: options.filename,
    })
    return { ...stored, kind: accepted.kind }
  },
  isRefusal: (error): error is MediaRefusedException => error instanceof MediaRefusedException,
  put: (source, options) => mediaStore.put(source, options),
  exists: (path) => mediaStore.exists(path),
  stream: (path) => mediaStore.stream(path),
  read: (path) => readFile(mediaStore.absolutePath(path)),
  contentDisposition,
}

declare module '#plugin_host/contract' {
  interface PluginPorts {
    media: MediaPort
  }
}
