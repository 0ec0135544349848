/**
 * Why a number is in its state, as reported to the core (which stores and
 * shows the text as-is). The plugin's own pages translate them through
 * `baileys.reasons.<key>`; the keys here are those of resources/lang/*\/baileys.json.
 */
export const REASONS = {
  restart: 'Restart required by WhatsApp (normal after linking)',
  logged_out_phone: 'Logged out from the phone: link the number again with a new QR',
  multidevice: 'Multi-device mismatch: link the number again with a new QR',
  forbidden: 'WhatsApp refused this number (banned or not allowed)',
  replaced: 'Session replaced by another device or instance',
  version: 'WhatsApp rejected the client version: update the plugin',
  qr_expired: 'QR code expired without being scanned',
  timed_out: 'Connection lost (timed out)',
  closed: 'Connection closed by WhatsApp',
  unavailable: 'WhatsApp service unavailable',
  bad_session: 'Bad session',
  bad_session_repeated: 'Bad session repeated: the number may need to be linked again',
  connection_error: 'Connection error',
  scan_qr: 'Scan the QR code with WhatsApp on the phone',
  logged_out_here: 'Logged out from Chasqui',
  stopped_by_admin: 'Stopped by an administrator',
  server_stopped: 'The server holding this number stopped; another one takes it over',
} as const

export type ReasonKey = keyof typeof REASONS

/** The translation key of a stored reason, or null for a text we did not write. */
export function reasonKey(text: string | null | undefined): ReasonKey | null {
  if (!text) return null
  for (const [key, value] of Object.entries(REASONS) as [ReasonKey, string][]) {
    if (text === value) return key
  }
  return text.startsWith(`${REASONS.connection_error}:`) ? 'connection_error' : null
}
