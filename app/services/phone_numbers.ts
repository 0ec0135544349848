import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

/**
 * Phone numbers in one shape: E.164 (R-CO-3). Input may be in any format;
 * without a country code the given default country applies (the
 * organization's, Ecuador by default).
 */
export function toE164(
  raw: string | null | undefined,
  defaultCountry: string = 'EC'
): string | null {
  if (!raw) return null
  const text = raw.trim()
  if (!/\d/.test(text)) return null
  const key = `${defaultCountry}|${text}`
  const known = parsedNumbers.get(key)
  if (known !== undefined) return known
  const parsed = parsePhoneNumberFromString(text, defaultCountry.toUpperCase() as CountryCode)
  const result = parsed && parsed.isPossible() ? parsed.number : null
  // Every inbound message parses its sender's number: the same few thousand customers, again and again.
  if (parsedNumbers.size >= PARSED_NUMBERS_KEPT) parsedNumbers.clear()
  parsedNumbers.set(key, result)
  return result
}

const PARSED_NUMBERS_KEPT = 20_000
const parsedNumbers = new Map<string, string | null>()

/**
 * WhatsApp's phone-based ids are the international number without '+'
 * ('593991234567'); a JID-like suffix or device part is tolerated.
 */
export function waIdToE164(waId: string | null | undefined): string | null {
  const digits = normalizeWaId(waId)
  return digits ? toE164(`+${digits}`) : null
}

/** '593991234567@s.whatsapp.net', '+593 99 123 4567', '593991234567:12' → '593991234567'. */
export function normalizeWaId(waId: string | null | undefined): string | null {
  if (!waId) return null
  const user = waId.split('@')[0].split(':')[0]
  const digits = user.replace(/\D/g, '')
  return digits.length ? digits : null
}

/** Only the digits, for substring search in any format. */
export function digitsOnly(text: string) {
  return text.replace(/\D/g, '')
}
