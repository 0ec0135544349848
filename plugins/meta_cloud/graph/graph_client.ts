import { createHmac } from 'node:crypto'

/**
 * A Graph API error as Meta answers it (A.7): branch on `code` (and
 * `subcode`), keep `details` for diagnostics; HTTP statuses are not unique.
 */
export class GraphApiError extends Error {
  constructor(
    readonly code: number | null,
    readonly subcode: number | null,
    readonly httpStatus: number | null,
    readonly details: string | null,
    message: string
  ) {
    super(message)
    this.name = 'GraphApiError'
  }

  /** No answer at all (DNS, refused, timeout): worth trying again. */
  get isNetwork() {
    return this.httpStatus === null
  }
}

export interface GraphCredentials {
  baseUrl: string
  version: string
  accessToken: string
  /**
   * The app's secret: every call then carries `appsecret_proof`
   * (HMAC-SHA256 of the token under the secret), which Meta checks even when
   * the app does not require it — so a wrong secret is found when the number
   * is saved, not at the first webhook — and which an app with "Require app
   * secret" on demands.
   */
  appSecret?: string | null
}

const TIMEOUT_MS = 20_000

/** Thin fetch wrapper for `https://graph.facebook.com/{version}/…` with a Bearer token. */
export class GraphClient {
  constructor(readonly credentials: GraphCredentials) {}

  url(path: string, query: Record<string, string> = {}) {
    const base = this.credentials.baseUrl.replace(/\/+$/, '')
    const { accessToken, appSecret } = this.credentials
    const params = new URLSearchParams(query)
    if (appSecret) {
      params.set(
        'appsecret_proof',
        createHmac('sha256', appSecret).update(accessToken).digest('hex')
      )
    }
    const search = params.toString()
    return `${base}/${this.credentials.version}/${path.replace(/^\/+/, '')}${search ? `?${search}` : ''}`
  }

  get<T>(path: string, query: Record<string, string> = {}) {
    return this.request<T>('GET', this.url(path, query))
  }

  post<T>(path: string, body: unknown) {
    return this.request<T>('POST', this.url(path), JSON.stringify(body), 'application/json')
  }

  postForm<T>(path: string, form: FormData) {
    return this.request<T>('POST', this.url(path), form)
  }

  /** A media download URL: fetched with the same token (A.8, step two). */
  async download(url: string): Promise<{ bytes: Buffer; mime: string | null }> {
    const response = await this.#fetch('GET', url)
    if (!response.ok) throw await this.#error(response)
    return {
      bytes: Buffer.from(await response.arrayBuffer()),
      mime: response.headers.get('content-type'),
    }
  }

  async request<T>(method: string, url: string, body?: string | FormData, type?: string) {
    const response = await this.#fetch(method, url, body, type)
    if (!response.ok) throw await this.#error(response)
    return (await response.json()) as T
  }

  async #fetch(method: string, url: string, body?: string | FormData, type?: string) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.credentials.accessToken}`,
    }
    if (type) headers['content-type'] = type
    try {
      return await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (error) {
      throw new GraphApiError(
        null,
        null,
        null,
        null,
        `Graph API unreachable: ${(error as Error).message}`
      )
    }
  }

  async #error(response: Response) {
    const text = await response.text().catch(() => '')
    let parsed: any = null
    try {
      parsed = JSON.parse(text)
    } catch {}
    const error = parsed?.error
    if (!error) {
      return new GraphApiError(
        null,
        null,
        response.status,
        null,
        `Graph API answered HTTP ${response.status}`
      )
    }
    return new GraphApiError(
      typeof error.code === 'number' ? error.code : Number(error.code) || null,
      typeof error.error_subcode === 'number' ? error.error_subcode : null,
      response.status,
      error.error_data?.details ?? null,
      String(error.message ?? `Graph API error ${error.code}`)
    )
  }
}
