import { GraphApiError } from '../graph/graph_client.js'
import metaNumbers from './meta_numbers.js'

export type CredentialProblem =
  | 'token_invalid'
  | 'token_expired'
  | 'phone_not_found'
  | 'waba_not_found'
  | 'waba_mismatch'
  | 'app_secret_mismatch'
  | 'permission_denied'
  | 'unreachable'
  | 'unexpected'

export interface PhoneProfile {
  displayPhoneNumber: string | null
  verifiedName: string | null
  qualityRating: string | null
}

export type CredentialCheck =
  | { ok: true; profile: PhoneProfile }
  | { ok: false; problem: CredentialProblem; details: string | null }

function problemOf(error: unknown, object: 'phone' | 'waba'): CredentialCheck {
  if (!(error instanceof GraphApiError)) {
    return { ok: false, problem: 'unexpected', details: String((error as Error)?.message ?? error) }
  }
  const details = error.details ?? error.message
  if (error.isNetwork) return { ok: false, problem: 'unreachable', details }
  if (error.code === 190) {
    return {
      ok: false,
      problem: error.subcode === 463 ? 'token_expired' : 'token_invalid',
      details,
    }
  }
  if (error.code === 104) return { ok: false, problem: 'token_invalid', details }
  // Meta gives a wrong proof no code of its own: code 100 (GraphMethodException), told by its message.
  if (error.code === 100 && /appsecret_proof/i.test(error.message)) {
    return { ok: false, problem: 'app_secret_mismatch', details: error.message }
  }
  if (error.code === 100) {
    return {
      ok: false,
      problem: object === 'phone' ? 'phone_not_found' : 'waba_not_found',
      details,
    }
  }
  if (error.code === 10 || (error.code !== null && error.code >= 200 && error.code <= 299)) {
    return { ok: false, problem: 'permission_denied', details }
  }
  return { ok: false, problem: 'unexpected', details }
}

/**
 * Asks the Graph API whether the token reaches the number, the number
 * belongs to the WABA and the app secret is the token's app's: every call
 * carries `appsecret_proof`, which Meta refuses when the secret is not the
 * one of the app the token belongs to (the secret that signs webhooks).
 */
export async function checkCredentials(input: {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  appSecret: string
}): Promise<CredentialCheck> {
  const graph = metaNumbers.graphFor(input)
  let profile: PhoneProfile
  try {
    const info = await graph.get<Record<string, any>>(input.phoneNumberId, {
      fields: 'display_phone_number,verified_name,quality_rating',
    })
    profile = {
      displayPhoneNumber: info.display_phone_number ?? null,
      verifiedName: info.verified_name ?? null,
      qualityRating: info.quality_rating ?? null,
    }
  } catch (error) {
    return problemOf(error, 'phone')
  }
  try {
    const numbers = await graph.get<{ data: { id: string }[] }>(`${input.wabaId}/phone_numbers`)
    if (!numbers.data?.some((n) => String(n.id) === input.phoneNumberId)) {
      return { ok: false, problem: 'waba_mismatch', details: null }
    }
  } catch (error) {
    return problemOf(error, 'waba')
  }
  return { ok: true, profile }
}
