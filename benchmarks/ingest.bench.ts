import os from 'node:os'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import ingest from '#channels/ingest_service'
import type { IngestPort, NormalizedInboundMessage } from '#channels/ingest_port'
import type { Benchmark, BenchResult } from './harness.js'
import { percentile } from './harness.js'
import { BENCH_PLUGIN_KEY, loadConversationsDataset } from './datasets/conversations.js'
import { listenToSignals, rssMiB } from './http_session.js'
import { backendCpuMs } from './process_cpu.js'

const TARGET = '≥ 500 msg/s'
const SEQUENTIAL = Number(process.env.BENCH_INGEST_SEQUENTIAL ?? 2000)
const CONCURRENT = Number(process.env.BENCH_INGEST_CONCURRENT ?? 8000)
const CALLERS = Number(process.env.BENCH_INGEST_CALLERS ?? 8)

interface Known {
  waId: string
  name: string | null
}

/**
 * The traffic a busy install sees: 75% of messages from known contacts
 * (often the same person several times in a row, as people type in bursts),
 * 25% from people writing for the first time, spread over the connections;
 * 2% are redeliveries of an earlier message (must change nothing).
 */
function traffic(known: Known[], connectionIds: number[], count: number, run: string) {
  const messages: { connectionId: number; message: NormalizedInboundMessage }[] = []
  let fresh = 0
  for (let i = 0; i < count; i++) {
    if (i > 10 && i % 50 === 0) {
      messages.push(messages[i - 7])
      continue
    }
    const burst = Math.floor(i / 3)
    let contact: Known
    if (burst % 4 === 3) {
      fresh++
      contact = {
        waId: `59380${String(fresh).padStart(7, '0')}${run.slice(-1)}`,
        name: `Cliente Nuevo ${fresh} Núñez`,
      }
    } else {
      contact = known[(burst * 7919) % known.length]
    }
    messages.push({
      connectionId: connectionIds[burst % connectionIds.length],
      message: {
        externalId: `wamid.ingest.${run}.${i}`,
        contact: { waId: contact.waId, profileName: contact.name },
        kind: 'text',
        body: `Buenos días, consulta número ${i} sobre mi crédito`,
        at: new Date(),
      },
    })
  }
  return messages
}

/** Feeds the port with `callers` concurrent callers; returns throughput and per-call latency. */
async function feed(
  port: IngestPort,
  messages: ReturnType<typeof traffic>,
  callers: number
): Promise<{
  perSecond: number
  p50: number
  p95: number
  duplicates: number
  nodeMs: number
  pgMs: number
}> {
  const latencies: number[] = []
  const pgBefore = await backendCpuMs()
  const cpu = process.cpuUsage()
  let next = 0
  let duplicates = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < messages.length) {
        const { connectionId, message } = messages[next++]
        const t = performance.now()
        const result = await port.message(connectionId, message)
        latencies.push(performance.now() - t)
        if (result.duplicate) duplicates++
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const used = process.cpuUsage(cpu)
  const nodeMs = (used.user + used.system) / 1000 / messages.length
  const pgMs = ((await backendCpuMs()) - pgBefore) / messages.length
  process.stderr.write(
    `    CPU per message: node ${nodeMs.toFixed(2)} ms + PostgreSQL ${pgMs.toFixed(2)} ms; wall ${((seconds * 1000) / messages.length).toFixed(2)} ms/msg\n`
  )
  return {
    nodeMs,
    pgMs,
    perSecond: Math.round(messages.length / seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    duplicates,
  }
}

const ingestBench: Benchmark = {
  name: 'ingest',
  description: 'inbound messages through the plugin port with live signals flowing',
  async run() {
    const data = await loadConversationsDataset()
    const known = (
      await db.from('contacts').whereNotNull('wa_id').orderBy('id').select('wa_id', 'profile_name')
    ).map((row): Known => ({ waId: row.wa_id, name: row.profile_name }))
    const port = ingest.forPlugin(BENCH_PLUGIN_KEY)
    const results: BenchResult[] = []
    const close = await testUtils.httpServer().start()
    const live = await listenToSignals(data.supervisor.email, data.supervisor.password)
    try {
      const messagesBefore = Number((await db.from('messages').count('* as n').first())!.n)
      const run = Date.now().toString(36)
      // Warm-up: connections, prepared plans, the pool.
      const warmup = traffic(known, data.connectionIds, 200, `${run}w`)
      await feed(port, warmup, 4)
      const ids = new Set(warmup.map((m) => m.message.externalId))
      const phases: [string, number, number][] = [
        ['sequential', SEQUENTIAL, 1],
        [`concurrent_${CALLERS}`, CONCURRENT, CALLERS],
      ]
      let sent = 200
      if (process.env.BENCH_INGEST_NO_LISTENERS) {
        // Diagnosis only: the pipeline without any listener (events recorded, not delivered).
        const emitter = (await import('@adonisjs/core/services/emitter')).default
        emitter.fake()
      }
      for (const [name, count, callers] of phases) {
        const messages = traffic(known, data.connectionIds, count, `${run}${name[0]}`)
        sent += count
        for (const m of messages) ids.add(m.message.externalId)
        const signalsBefore = live.counter.signals
        const figure = await feed(port, messages, callers)
        const dataset = `${data.label}; ${count} messages (${figure.duplicates} redeliveries), ${callers} caller(s)`
        process.stderr.write(
          `  ${name}: ${figure.perSecond} msg/s, p50 ${figure.p50} ms, p95 ${figure.p95} ms, ${live.counter.signals - signalsBefore} live signals\n`
        )
        // What the machine's cores could carry at this CPU cost per message when not shared.
        const capacity = Math.round((os.cpus().length * 1000) / (figure.nodeMs + figure.pgMs))
        results.push({
          bench: `ingest.${name}.cpu_bound_capacity`,
          value: capacity,
          unit: 'msg/s',
          dataset: `${dataset}; ${figure.nodeMs.toFixed(2)} ms node + ${figure.pgMs.toFixed(2)} ms PostgreSQL CPU per message`,
          target: TARGET,
        })
        results.push({
          bench: `ingest.${name}`,
          value: figure.perSecond,
          unit: 'msg/s',
          p50: figure.p50,
          p95: figure.p95,
          dataset,
          target: TARGET,
        })
      }
      // Let the last signals arrive, then check nothing was lost or doubled.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const stored = Number((await db.from('messages').count('* as n').first())!.n) - messagesBefore
      if (stored !== ids.size)
        throw new Error(`${stored} messages stored for ${ids.size} unique external ids`)
      process.stderr.write(`  live signals received by a supervisor: ${live.counter.signals}\n`)
      results.push({
        bench: 'ingest.live_signals',
        value: live.counter.signals,
        unit: 'signals',
        dataset: `${sent} messages sent, ${stored} stored`,
      })
      results.push({
        bench: 'ingest.server_rss',
        value: rssMiB(),
        unit: 'MiB',
        dataset: data.label,
      })
    } finally {
      await live.close()
      await close()
    }
    return results
  },
}

export default ingestBench
