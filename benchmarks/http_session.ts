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
