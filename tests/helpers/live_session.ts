import { randomUUID } from 'node:crypto'

/**
 * A scripted browser for Transmit tests: a real login over HTTP (cookies and
 * CSRF token like a browser), a real event stream, real subscribe POSTs.
 * Japa's API client cannot hold a response open, which the SSE stream needs.
 */
export class LiveSession {
  #cookies = new Map<string, string>()
  csrfToken = ''

  constructor(readonly baseUrl = `http://${process.env.HOST}:${process.env.PORT}`) {}

  /** A logged-in session; without credentials, an anonymous one that still holds a CSRF token. */
  static async start(credentials?: { email: string; password: string }) {
    const session = new LiveSession()
    await session.#refreshCsrf('/login')
    if (credentials) {
      const login = await session.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: session.csrfToken, ...credentials }).toString(),
      })
      if (login.headers.get('location') !== '/')
        throw new Error(`login failed for ${credentials.email}`)
      await session.#refreshCsrf('/')
    }
    return session
  }

  async request(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers)
    if (this.#cookies.size) {
      headers.set(
        'cookie',
        [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      )
    }
    const response = await fetch(this.baseUrl + path, { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const index = pair.indexOf('=')
      this.#cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim())
    }
    return response
  }

  async #refreshCsrf(path: string) {
    const html = await (await this.request(path)).text()
    const match =
      /name="csrf-token" content="([^"]+)"/.exec(html) ??
      /name=['"]_csrf['"] value=['"]([^'"]+)['"]/.exec(html)
    if (match) this.csrfToken = match[1]
  }

  /** Opens the event stream (GET /__transmit/events) as the Transmit client does. */
  async openStream(uid = randomUUID()) {
    const controller = new AbortController()
    const response = await this.request(`/__transmit/events?uid=${uid}`, {
      signal: controller.signal,
    })
    return new LiveStream(uid, response, controller)
  }

  /** POST /__transmit/subscribe; `csrf: false` leaves the token out. */
  subscribe(uid: string, channel: string, { csrf = true } = {}) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'accept': 'application/json',
    }
    if (csrf) headers['x-csrf-token'] = this.csrfToken
    return this.request('/__transmit/subscribe', {
      method: 'POST',
      headers,
      body: JSON.stringify({ uid, channel }),
    })
  }
}

export class LiveStream {
  #buffer = ''
  #messages: { channel: string; payload: any }[] = []
  #reader?: ReadableStreamDefaultReader<Uint8Array>

  constructor(
    readonly uid: string,
    readonly response: Response,
    private controller: AbortController
  ) {
    if (response.ok && response.body) this.#reader = response.body.getReader()
  }

  get isOpen() {
    return (
      this.response.status === 200 &&
      this.response.headers.get('content-type') === 'text/event-stream'
    )
  }

  /**
   * Reads frames until one matches. Messages on one stream arrive in the
   * order they were broadcast, so tests wait for a later "marker" message to
   * prove that an earlier broadcast was not delivered.
   */
  async waitFor(predicate: (message: { channel: string; payload: any }) => boolean) {
    const decoder = new TextDecoder()
    while (true) {
      const index = this.#messages.findIndex(predicate)
      if (index >= 0) return this.#messages.splice(0, index + 1)
      if (!this.#reader) throw new Error('stream is not open')
      const { value, done } = await this.#reader.read()
      if (done) throw new Error('stream ended')
      this.#buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
        const frame = this.#buffer.slice(0, end)
        this.#buffer = this.#buffer.slice(end + 2)
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data) this.#messages.push(JSON.parse(data))
      }
    }
  }

  close() {
    this.controller.abort()
  }
}
