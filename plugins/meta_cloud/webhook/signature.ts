import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`
 * (A.1), compared in constant time over the raw bytes: re-serialized JSON
 * would break bodies with accents or emoji, which Meta escapes as \uXXXX.
 */
export function verifySignature(raw: Buffer, header: string | null | undefined, appSecret: string) {
  if (!header?.startsWith('sha256=')) return false
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`
  )
  const got = Buffer.from(header)
  return got.length === expected.length && timingSafeEqual(got, expected)
}
