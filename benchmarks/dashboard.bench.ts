import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import type { Benchmark } from './harness.js'
import { p95Recorder, timeIt } from './harness.js'
import { loadConversationsDataset } from './datasets/conversations.js'
import { login } from './http_session.js'
import { backendCpuMs, nodeCpuMs } from './process_cpu.js'
import i18nManager from '@adonisjs/i18n/services/main'
import User from '#models/user'
import { dashboardScopeFor } from '#services/dashboard_scope'
import dashboardView from '#services/dashboard_view'

const TARGET = 'p95 ≤ 100 ms'
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100)

/**
 * The dashboard over HTTP on the shared 100k-conversation / 1M-message data
 * set (benchmarks/datasets/conversations.ts): the full page (cards, agents,
 * the default 7-day metrics) for a supervisor and for an agent, and the
 * fragments the page refetches live or when the range changes (30 and the
 * longest, 92, days). Ranges end at the data set's newest message, so they
 * cover real traffic (the page's own 7-day default included).
 */
const dashboard: Benchmark = {
  name: 'dashboard',
  description: 'dashboard page and fragments over HTTP, 100k conversations / 1M messages',
  async run() {
    const data = await loadConversationsDataset()
    const dataset = data.label
    // Fresh statistics and visibility map, as autovacuum would leave them on a live install.
    await db.rawQuery('VACUUM ANALYZE conversations, messages, contacts')
    const { results, push } = p95Recorder(dataset, TARGET)
    const day = (offset: number) =>
      new Date(Date.now() - offset * 86400000).toISOString().slice(0, 10)

    // The page's data alone (every query, no HTTP, no template): the database's share.
    const i18n = i18nManager.locale('es')
    for (const role of ['supervisor', 'agent'] as const) {
      const user = await User.findOrFail(
        role === 'supervisor' ? data.supervisor.id : data.agents[0].id
      )
      const scope = (await dashboardScopeFor(user))!
      const qs = { from: day(6), to: day(0) }
      push(
        `dashboard.page_data.${role}.service`,
        await timeIt(() => dashboardView.page(scope, { i18n, qs }), ITERATIONS)
      )
    }

    const close = await testUtils.httpServer().start()
    try {
      const base = `http://${process.env.HOST}:${process.env.PORT}`
      for (const role of ['supervisor', 'agent'] as const) {
        const user = role === 'supervisor' ? data.supervisor : data.agents[0]
        const cookie = await login(base, user.email, user.password)
        const get = async (path: string, htmx: boolean) => {
          const response = await fetch(base + path, {
            headers: { cookie, ...(htmx ? { 'hx-request': 'true' } : {}) },
            redirect: 'manual',
          })
          if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`)
          await response.arrayBuffer()
        }
        if (role === 'supervisor') {
          // The first team request of a range counts its closed days into the roll-up, once.
          const started = performance.now()
          await get(`/dashboard/metrics?from=${day(91)}&to=${day(0)}`, true)
          const first = {
            bench: 'dashboard.rollup_first_92d.supervisor.http',
            value: Math.round((performance.now() - started) * 100) / 100,
            unit: 'ms',
            dataset,
          }
          process.stderr.write(`  ${JSON.stringify(first)}\n`)
          results.push(first)
        }
        // Reference: the home page, same session and layout (nav, bell, counters), no dashboard.
        push(`dashboard.layout_floor.${role}.http`, await timeIt(() => get('/', false), ITERATIONS))
        // Load-independent figures (the machine is shared): round trips and CPU per request.
        for (const [name, path] of [
          ['layout_floor', '/'],
          ['page', `/dashboard?from=${day(6)}&to=${day(0)}`],
        ] as const) {
          const cost = await costPerRequest(() => get(path, false))
          const label = `${name}.${role}`
          for (const [bench, value, unit] of [
            [`dashboard.${label}.queries`, cost.queries, 'queries'],
            [`dashboard.${label}.cpu`, cost.cpuMs, 'ms CPU'],
          ] as const) {
            const result = { bench, value, unit, dataset: `${dataset}; ${cost.detail}` }
            process.stderr.write(`  ${JSON.stringify(result)}\n`)
            results.push(result)
          }
        }
        push(
          `dashboard.page.${role}.http`,
          await timeIt(() => get(`/dashboard?from=${day(6)}&to=${day(0)}`, false), ITERATIONS)
        )
        push(
          `dashboard.workload.${role}.http`,
          await timeIt(() => get('/dashboard/workload', true), ITERATIONS)
        )
        push(
          `dashboard.agents.${role}.http`,
          await timeIt(() => get('/dashboard/agents', true), ITERATIONS)
        )
        push(
          `dashboard.metrics_30d.${role}.http`,
          await timeIt(
            () => get(`/dashboard/metrics?from=${day(29)}&to=${day(0)}`, true),
            ITERATIONS
          )
        )
        push(
          `dashboard.metrics_92d.${role}.http`,
          await timeIt(
            () => get(`/dashboard/metrics?from=${day(91)}&to=${day(0)}`, true),
            ITERATIONS
          )
        )
        if (role === 'supervisor') {
          // A live signal reaches every open dashboard at once: 20 viewers refetch together.
          push(
            'dashboard.workload_x20_concurrent.supervisor.http',
            await timeIt(
              () => Promise.all(Array.from({ length: 20 }, () => get('/dashboard/workload', true))),
              20,
              3
            )
          )
        }
      }
    } finally {
      await close()
    }
    return results
  },
}

/**
 * SQL statements and CPU (this process — client and server — plus the
 * PostgreSQL backends of the run's database) per request, averaged.
 */
async function costPerRequest(request: () => Promise<void>, iterations = ITERATIONS) {
  const knex = db.connection().getWriteClient()
  let queries = 0
  const count = () => queries++
  knex.on('query', count)
  try {
    await request()
    const pgBefore = await backendCpuMs()
    const nodeBefore = nodeCpuMs()
    queries = 0
    for (let i = 0; i < iterations; i++) await request()
    const perRequest = queries / iterations
    const nodeMs = (nodeCpuMs() - nodeBefore) / iterations
    // The sampling query's own cost is negligible next to 100 requests.
    const pgMs = ((await backendCpuMs()) - pgBefore) / iterations
    const round = (n: number) => Math.round(n * 100) / 100
    return {
      queries: round(perRequest),
      cpuMs: round(nodeMs + pgMs),
      detail: `${iterations} requests; ${round(nodeMs)} ms node + ${round(pgMs)} ms PostgreSQL CPU per request`,
    }
  } finally {
    knex.removeListener('query', count)
  }
}

export default dashboard
