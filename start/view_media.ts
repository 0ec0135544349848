/*
| Edge globals of message media (docs/INBOX.md, Media).
*/
import edge from 'edge.js'

// A media file's size in the timeline and the composer: "820 KB", "1,4 MB".
edge.global('formatFileSize', (bytes: number | null | undefined, locale = 'es') => {
  if (!bytes) return ''
  const mb = bytes / (1024 * 1024)
  const format = (value: number, digits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)
  return mb >= 1 ? `${format(mb, 1)} MB` : `${format(Math.max(1, bytes / 1024), 0)} KB`
})
