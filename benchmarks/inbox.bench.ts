import testUtils from '@adonisjs/core/services/test_utils'
import emitter from '@adonisjs/core/services/emitter'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import conversationSearch, { type ChatListFilters } from '#services/conversation_search'
import type { Benchmark } from './harness.js'
import { p95Recorder, percentile, timeIt } from './harness.js'
import { loadConversationsDataset } from './datasets/conversations.js'
import { login, rssMiB } from './http_session.js'

const TARGET = 'p95 ≤ 50 ms'
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200)

/** Name fragments as agents type them: partial, without accents, some common, some rare. */
const NAME_FRAGMENTS = [
  'nunez',
  'jose',
  'peñaf',
  'quishpe',
  'valentina cev',
  'mayra',
  'toapanta',
  'belen',
  'ordoñez',
  'yepez lo',
  'GÉNESIS',
  'comercial',
]

/** Rotates through the fragments so no single cached plan or page decides the figure. */
function rotating<T>(values: T[]) {
  let i = 0
  return () => values[i++ % values.length]
}

/**
 * Phone fragments taken from real rows in the formats people type: a rare
 * 6-digit run, a national "099…" prefix with spaces, the +593 form, and a
 * common 4-digit run that matches thousands of contacts.
 */
async function phoneFragments() {
  const rows = await db
    .from('contacts')
    .whereNotNull('phone_e164')
    .whereRaw('id % 997 = 0')
    .orderBy('id')
    .limit(8)
    .select('phone_e164')
  const fragments: string[] = []
  for (const [i, row] of rows.entries()) {
    const digits = String(row.phone_e164).slice(4) // 9XXXXXXXX
    if (i % 4 === 0) fragments.push(digits.slice(2, 8))
    if (i % 4 === 1)
      fragments.push(`0${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5, 7)}`)
    if (i % 4 === 2) fragments.push(`+593 ${digits.slice(0, 2)} ${digits.slice(2, 6)}`)
    if (i % 4 === 3) fragments.push(digits.slice(3, 7))
  }
  return fragments
}

const inbox: Benchmark = {
  name: 'inbox',
  description:
    'chat list and search over HTTP and as service calls, 100k conversations / 1M messages',
  async run() {
    const data = await loadConversationsDataset()
    const dataset = data.label
    const { results, push } = p95Recorder(dataset, TARGET)

    const phones = await phoneFragments()
    const admin = await User.findOrFail(data.admin.id)
    const agent = await User.findOrFail(data.agents[0].id)
    const viewers = {
      admin: await conversationSearch.viewerFor(admin),
      agent: await conversationSearch.viewerFor(agent),
    }

    // The service calls alone: the list query (with its tags) and the tray counts the list shows.
    for (const role of ['admin', 'agent'] as const) {
      const viewer = viewers[role]
      const cases: [string, () => ChatListFilters][] = [
        ['list', () => ({})],
        ['search_name', rotatingFilters(NAME_FRAGMENTS)],
        ['search_phone', rotatingFilters(phones)],
      ]
      for (const [name, next] of cases) {
        push(
          `inbox.${name}.${role}.service`,
          await timeIt(() => conversationSearch.list(viewer, next()), ITERATIONS)
        )
        push(
          `inbox.${name}.${role}.service_counts`,
          await timeIt(() => conversationSearch.trayCounts(viewer, next()), ITERATIONS)
        )
      }
    }

    // The real routes: the full /inbox page, and the htmx fragment the search box asks for. Each is
    // timed twice: by the client (loopback, an upper bound) and by the server itself, from the
    // request's arrival to the response's end (AdonisJS's `http:request_completed`).
    const serverTimes: number[] = []
    emitter.on('http:request_completed', ({ duration }) => {
      serverTimes.push(duration[0] * 1000 + duration[1] / 1e6)
    })
    const measure = async (bench: string, fn: () => Promise<unknown>) => {
      serverTimes.length = 0
      push(`${bench}`, await timeIt(fn, ITERATIONS))
      const server = serverTimes.slice(-ITERATIONS).sort((a, b) => a - b)
      push(`${bench}_server`, { p50: percentile(server, 50), p95: percentile(server, 95) })
    }
    const close = await testUtils.httpServer().start()
    try {
      const base = `http://${process.env.HOST}:${process.env.PORT}`
      for (const role of ['admin', 'agent'] as const) {
        const user = role === 'admin' ? data.admin : data.agents[0]
        const cookie = await login(base, user.email, user.password)
        const get = async (path: string, htmx: boolean) => {
          const response = await fetch(base + path, {
            headers: { cookie, ...(htmx ? { 'hx-request': 'true' } : {}) },
            redirect: 'manual',
          })
          if (response.status !== 200)
            throw new Error(
              `GET ${path} answered ${response.status} → ${response.headers.get('location')}`
            )
          await response.arrayBuffer()
        }
        const names = rotating(NAME_FRAGMENTS)
        const numbers = rotating(phones)
        await measure(`inbox.list.${role}.http`, () => get('/inbox', false))
        await measure(`inbox.search_name.${role}.http`, () =>
          get(`/inbox?q=${encodeURIComponent(names())}`, true)
        )
        await measure(`inbox.search_phone.${role}.http`, () =>
          get(`/inbox?q=${encodeURIComponent(numbers())}`, true)
        )
      }
    } finally {
      await close()
    }
    const rss = { bench: 'inbox.server_rss', value: rssMiB(), unit: 'MiB', dataset }
    results.push(rss)
    return results
  },
}

function rotatingFilters(terms: string[]) {
  const next = rotating(terms)
  return (): ChatListFilters => ({ search: next() })
}

export default inbox
