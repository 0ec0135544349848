import i18nManager from '@adonisjs/i18n/services/main'

/*
| What each Graph API error code means for the CRM (CONTRACTS.md A.7): is it
| worth retrying, how long to wait, does it take the whole number down.
*/

export interface ErrorPolicy {
  retryable: boolean
  /** Minimum wait before the next attempt. */
  retryAfterMs?: number
  /** The token or account is unusable: the connection goes down and an admin is alerted. */
  disablesConnection?: boolean
}

const POLICIES: Record<number, ErrorPolicy> = {
  // Throughput: back off about a second and try again; not a failure.
  130429: { retryable: true, retryAfterMs: 1000 },
  // Pair rate: the same user again after at least 6 s.
  131056: { retryable: true, retryAfterMs: 6000 },
  131000: { retryable: true },
  4: { retryable: true, retryAfterMs: 60_000 },
  80007: { retryable: true, retryAfterMs: 60_000 },
  131048: { retryable: true, retryAfterMs: 60_000 },
  190: { retryable: false, disablesConnection: true },
  368: { retryable: false, disablesConnection: true },
  131031: { retryable: false, disablesConnection: true },
}

/** Codes with their own explanation in resources/lang/<locale>/meta_cloud.json (`errors.<code>`). */
const EXPLAINED = new Set([
  4, 10, 100, 190, 200, 368, 130429, 130472, 131000, 131008, 131009, 131026, 131031, 131047, 131048,
  131049, 131050, 131051, 131052, 131053, 131056, 131062, 132000, 132001, 132012, 132015, 132016,
  133010, 80007,
])

export function errorPolicy(code: number | null, httpStatus: number | null): ErrorPolicy {
  if (code !== null && POLICIES[code]) return POLICIES[code]
  if (code !== null && code >= 200 && code <= 299) return { retryable: false }
  // No Graph error code: a network failure or a 5xx from the edge.
  if (code === null) return { retryable: httpStatus === null || httpStatus >= 500 }
  return { retryable: false }
}

/** A human explanation of a code, in the organization's language (stored next to failed messages). */
export function explainError(code: number | null, fallback?: string | null, locale?: string) {
  const i18n = i18nManager.locale(locale ?? i18nManager.defaultLocale)
  if (code !== null && EXPLAINED.has(code)) return i18n.t(`meta_cloud.errors.${code}`)
  if (code !== null && code >= 200 && code <= 299) return i18n.t('meta_cloud.errors.10')
  return fallback
    ? i18n.t('meta_cloud.errors.other', { details: fallback })
    : i18n.t('meta_cloud.errors.unknown')
}
