import os from 'node:os'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import outboxDispatcher from '#channels/outbox_runtime'
import outbound from '#channels/outbound_service'
import { OutboxDispatcher } from '#channels/outbox_dispatcher'
import { driverFor } from '#channels/channel_registry'
import type { GraphApiFake } from '#plugins/meta_cloud/fake/graph_api_fake'
import {
  FIXTURE_NUMBER,
  drainWebhooks,
  metaConnection,
  startFake,
} from '#plugins/meta_cloud/tests/meta_harness'
import webhookInbox from '#plugins/meta_cloud/webhook/webhook_inbox'
import type { Benchmark, BenchResult } from './harness.js'
import { percentile } from './harness.js'
import { createUser, resetDatabase } from '../tests/helpers/fixtures.js'

const MESSAGES = Number(process.env.BENCH_META_MESSAGES ?? 5000)
const CUSTOMERS = Number(process.env.BENCH_META_CUSTOMERS ?? 500)
/** Webhooks Meta has in flight towards us at once. */
const CONCURRENCY = Number(process.env.BENCH_META_CONCURRENCY ?? 32)
const OUTBOUND = Number(process.env.BENCH_META_OUTBOUND ?? 1200)

/**
 * Meta Cloud API plugin, end to end on this machine, with the fake Graph
 * API (in process) playing Meta:
 * - ingest: signed webhooks (one message each, Meta-escaped unicode) posted
 *   to `/webhooks/meta` by 32 concurrent senders; throughput counts until
 *   every message is verified, stored, processed into its conversation and
 *   its domain event emitted; latency is the webhook's HTTP response time;
 * - outbound: the outbox dispatcher sending through the driver to the fake,
 *   which enforces Meta's 80 msg/s; the rate is measured after the first
 *   second (the token bucket starts full), with a dispatcher restart half
 *   way, and every message must reach Meta exactly once.
 */
const metaBench: Benchmark = {
  name: 'meta_webhook',
  description: 'Meta Cloud API: signed webhook ingest and outbound dispatch',
  async run() {
    await outboxDispatcher.stop()
    await resetDatabase()
    const results: BenchResult[] = []
    const closeServer = await testUtils.httpServer().start()
    const fake: GraphApiFake = await startFake()
    try {
      await metaConnection(fake)
      results.push(...(await ingest(fake)))
      results.push(...(await dispatch(fake)))
    } finally {
      await fake.stop()
      await closeServer()
      outboxDispatcher.start()
    }
    return results
  },
}

async function ingest(fake: GraphApiFake): Promise<BenchResult[]> {
  const bodies: string[] = []
  for (let i = 0; i < MESSAGES; i++) {
    const customer = i % CUSTOMERS
    const { payload } = fake.customerMessage(FIXTURE_NUMBER.phoneNumberId, {
      from: `5939${String(customer).padStart(8, '0')}`,
      name: `Señora Núñez ${customer}`,
      message: { type: 'text', text: { body: `¿Llegó mi pedido ${i}? 🙏 gracias` } },
    })
    bodies.push(fake.rawBody(payload))
  }
  // Warm-up: connections, prepared plans, caches.
  for (const body of bodies.slice(0, 20)) await fake.deliver(body)
  await drainWebhooks()
  await db.from('meta_cloud_webhooks').delete()

  // Phase 1, acknowledge only (worker paused): what Meta sees from us.
  await webhookInbox.stop()
  const ackLatencies: number[] = []
  const ackCpu = process.cpuUsage()
  const ackStarted = performance.now()
  let ackNext = 0
  const ackBodies = bodies.slice(20, 20 + Math.min(1000, bodies.length - 20))
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (ackNext < ackBodies.length) {
        const answer = await fake.deliver(ackBodies[ackNext++])
        ackLatencies.push(answer.ms)
      }
    })
  )
  const ackSeconds = (performance.now() - ackStarted) / 1000
  const ackUsed = process.cpuUsage(ackCpu)
  // Phase 2, processing only: the worker drains what phase 1 stored.
  const processStarted = performance.now()
  const processCpu = process.cpuUsage()
  webhookInbox.start()
  await drainWebhooks(600_000)
  const processSeconds = (performance.now() - processStarted) / 1000
  const processUsed = process.cpuUsage(processCpu)
  ackLatencies.sort((a, b) => a - b)
  await db.from('messages').delete()
  await db.from('meta_cloud_webhooks').delete()

  // Phase 3, end to end: posting and processing at the same time.
  const latencies: number[] = []
  const cpu = process.cpuUsage()
  const started = performance.now()
  let next = 20
  let refused = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const answer = await fake.deliver(bodies[next++])
        latencies.push(answer.ms)
        if (answer.status !== 200) refused++
      }
    })
  )
  const postedSeconds = (performance.now() - started) / 1000
  // End to end: every message processed into its conversation (events emitted on commit).
  const expected = MESSAGES - 20
  for (;;) {
    const stored = Number((await db.from('messages').count('* as n').first())!.n)
    if (stored >= expected) break
    if (performance.now() - started > 600_000)
      throw new Error(`only ${stored} of ${expected} stored`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  if (refused) throw new Error(`${refused} webhooks refused`)
  latencies.sort((a, b) => a - b)
  const dataset = `${MESSAGES - 20} webhooks × 1 text message (Meta-escaped accents + emoji), ${CUSTOMERS} customers, ${CONCURRENCY} concurrent senders, fake Meta in process`
  const split = (usage: NodeJS.CpuUsage, count: number) =>
    Math.round(((usage.user + usage.system) / 1000 / count) * 100) / 100
  return [
    {
      bench: 'meta_webhook.acknowledge_only_rate',
      value: Math.round(ackBodies.length / ackSeconds),
      unit: 'webhooks/s',
      p50: percentile(ackLatencies, 50),
      p95: percentile(ackLatencies, 95),
      dataset: `${ackBodies.length} webhooks, worker paused; p99 ${percentile(ackLatencies, 99)} ms; node CPU ${split(ackUsed, ackBodies.length)} ms/webhook (sender + server)`,
    },
    {
      bench: 'meta_webhook.process_only_rate',
      value: Math.round(ackBodies.length / processSeconds),
      unit: 'msg/s',
      dataset: `${ackBodies.length} stored webhooks drained by the worker; node CPU ${split(processUsed, ackBodies.length)} ms/message`,
    },
    {
      bench: 'meta_webhook.ingest_end_to_end',
      value: Math.round((MESSAGES - 20) / seconds),
      unit: 'msg/s',
      dataset,
      target: '≥ 1000 msg/s',
    },
    {
      bench: 'meta_webhook.acknowledge_rate',
      value: Math.round((MESSAGES - 20) / postedSeconds),
      unit: 'webhooks/s',
      dataset: `${dataset}; stored in meta_cloud_webhooks and answered 200`,
    },
    {
      bench: 'meta_webhook.response_p99',
      value: percentile(latencies, 99),
      unit: 'ms',
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      dataset: `${dataset}; load average ${os.loadavg()[0].toFixed(1)}`,
      target: 'p99 ≤ 50 ms',
    },
    {
      bench: 'meta_webhook.node_cpu_per_message',
      value: Math.round(((used.user + used.system) / 1000 / (MESSAGES - 20)) * 100) / 100,
      unit: 'ms',
      dataset: `${dataset}; webhook sender, server and worker share this process`,
    },
  ]
}

async function dispatch(fake: GraphApiFake): Promise<BenchResult[]> {
  const agent = await createUser('agent')
  const conversations = await db.from('conversations').select('id').orderBy('id')
  for (let i = 0; i < OUTBOUND; i++) {
    await outbound.submit({
      conversationId: Number(conversations[i % conversations.length].id),
      authorUserId: agent.id,
      clientId: `bench-${i}`,
      kind: 'text',
      body: `Respuesta ${i}`,
    })
  }
  fake.requests.length = 0
  const runDispatcher = () => {
    const dispatcher = new OutboxDispatcher({
      resolveDriver: driverFor,
      batchSize: 100,
      pollIntervalMs: 50,
    })
    dispatcher.start()
    return dispatcher
  }
  let dispatcher = runDispatcher()
  const sent = () => fake.requests.filter((r) => r.path.endsWith('/messages')).length
  // Restart half way: rows in flight are finished by the stopping dispatcher, none re-sent.
  while (sent() < OUTBOUND / 2) await new Promise((resolve) => setTimeout(resolve, 20))
  await dispatcher.stop()
  const restartedAt = Date.now()
  dispatcher = runDispatcher()
  const until = performance.now() + 120_000
  for (;;) {
    const pending = Number(
      (await db.from('outbox').whereIn('state', ['pending', 'in_flight']).count('* as n').first())!
        .n
    )
    if (!pending || performance.now() > until) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await dispatcher.stop()

  const requests = fake.requests.filter((r) => r.path.endsWith('/messages'))
  const accepted = [...fake.sent.values()].map((s) => s.body.text?.body)
  const unique = new Set(accepted)
  const duplicates = accepted.length - unique.size
  const rateLimited = requests.length - accepted.length
  // Meta's clock: messages it accepted (a 130429 answer is not a send).
  const times = [...fake.sent.values()].map((s) => s.at).sort((a, b) => a - b)
  // Sustained rate: the first second after each (re)start is a token-bucket burst, left out.
  const segments = [
    times.filter((t) => t >= times[0] + 1000 && t < restartedAt),
    times.filter((t) => t >= restartedAt + 1000),
  ].filter((segment) => segment.length > 1)
  const counted = segments.reduce((sum, segment) => sum + segment.length - 1, 0)
  const seconds = segments.reduce((sum, segment) => sum + (segment.at(-1)! - segment[0]) / 1000, 0)
  const rate = counted / seconds
  const gaps: number[] = []
  for (const segment of segments) {
    for (let i = 1; i < segment.length; i++) gaps.push(segment[i] - segment[i - 1])
  }
  gaps.sort((a, b) => a - b)
  const failed = Number(
    (await db.from('messages').where('status', 'failed').count('* as n').first())!.n
  )
  if (unique.size !== OUTBOUND) throw new Error(`${unique.size} of ${OUTBOUND} reached Meta`)
  return [
    {
      bench: 'meta_webhook.outbound_rate',
      value: Math.round(rate * 10) / 10,
      unit: 'msg/s',
      p50: percentile(gaps, 50),
      p95: percentile(gaps, 95),
      dataset: `${OUTBOUND} texts to ${conversations.length} customers, one number at 80/s, dispatcher restarted half way; ${duplicates} duplicates, ${rateLimited} answered 130429, ${failed} failed (p50/p95: gap between sends)`,
      target: '80 msg/s ± 5%, no duplicates',
    },
  ]
}

export default metaBench
