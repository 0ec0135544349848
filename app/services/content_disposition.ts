/** RFC 6266: an ASCII fallback plus the UTF-8 name, percent-encoded. */
export function contentDisposition(type: 'inline' | 'attachment', filename: string | null) {
  if (!filename) return type
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_')
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
