import { LiveSession } from '../tests/helpers/live_session.js'
/** Logs in through the real form and returns the session cookie header. */
export async function login(base: string, email: string, password: string) {
  const page = await fetch(`${base}/login`)
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0])
  const html = await page.text()
  const token = /name='_csrf' value='([^']+)'/.exec(html)![1]
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': cookies.join('; ') },
    body: new URLSearchParams({ _csrf: token, email, password }),
  })
  if (response.headers.get('location') !== '/')
    throw new Error(
      `login of ${email} failed: ${response.status} → ${response.headers.get('location')}`
    )
  // Login regenerates the session: its cookies replace the ones of the same name.
  const jar = new Map<string, string>()
  for (const cookie of [...cookies, ...response.headers.getSetCookie().map((c) => c.split(';')[0])])
    jar.set(cookie.split('=')[0], cookie)
  return [...jar.values()].join('; ')
}

/** Resident set size of this process (the bench runs the server in process), in MiB. */
export function rssMiB() {
  return Math.round(process.memoryUsage().rss / 2 ** 20)
}

/** A supervisor's browser on the live stream (`supervisors` channel): counts the signals it receives. */
export async function listenToSignals(email: string, password: string) {
  const session = await LiveSession.start({ email, password })
  const uid = crypto.randomUUID()
  const response = await session.request(`/__transmit/events?uid=${uid}`)
  const subscribed = await session.subscribe(uid, 'supervisors')
  if (!subscribed.ok) throw new Error(`subscribe answered ${subscribed.status}`)
  const counter = { signals: 0 }
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const done = (async () => {
    try {
      while (true) {
        const { value, done: ended } = await reader.read()
        if (ended) return
        buffer += decoder.decode(value, { stream: true })
        const frames = buffer.split('\n\n')
        buffer = frames.pop()!
        counter.signals += frames.filter((frame) => /(^|\n)data: /.test(frame)).length
      }
    } catch {
      // aborted at the end of the bench
    }
  })()
  return {
    counter,
    close: async () => {
      await reader.cancel().catch(() => {})
      await done
    },
  }
}
