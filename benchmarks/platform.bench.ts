import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import type { Benchmark } from './harness.js'
import { timeIt } from './harness.js'
import { createUser, resetDatabase } from '../tests/helpers/fixtures.js'

const USERS = 1000

/** Logs in through the real form and returns the session cookie header. */
async function login(base: string, email: string, password: string) {
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
  const session = response.headers.getSetCookie().map((c) => c.split(';')[0])
  return [...cookies, ...session].join('; ')
}

const platform: Benchmark = {
  name: 'platform',
  description: 'page latency over HTTP (loopback, sequential) with 1,000 users',
  async run() {
    await resetDatabase()
    const admin = await createUser('admin', {
      email: 'bench-admin@example.com',
      password: 'bench-pass',
    })
    const password = await hash.make('x-not-used')
    const roleIds = (await db.from('roles').select('id')).map((r) => r.id)
    await db.table('users').multiInsert(
      Array.from({ length: USERS }, (_, i) => ({
        full_name: `Usuario ${i} Núñez`,
        email: `user${i}@bench.example.com`,
        password,
        role_id: roleIds[i % roleIds.length],
        is_active: i % 10 !== 0,
        created_at: new Date(),
        updated_at: new Date(),
      }))
    )
    const close = await testUtils.httpServer().start()
    try {
      const base = `http://${process.env.HOST}:${process.env.PORT}`
      const cookie = await login(base, admin.email, 'bench-pass')
      const dataset = `${USERS + 1} users`
      const results = []
      const pages: [string, string][] = [
        ['health', '/health'],
        ['home_page', '/'],
        ['users_page', '/users'],
        ['users_search', '/users?q=nunez%2012'],
      ]
      for (const [name, path] of pages) {
        const probe = await fetch(base + path, { headers: { cookie }, redirect: 'manual' })
        if (probe.status !== 200) continue
        const { p50, p95 } = await timeIt(async () => {
          const response = await fetch(base + path, { headers: { cookie } })
          await response.arrayBuffer()
        })
        results.push({ bench: `platform.${name}`, value: p95, unit: 'ms p95', p50, p95, dataset })
      }
      return results
    } finally {
      await close()
    }
  },
}

export default platform
