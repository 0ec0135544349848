import os from 'node:os'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import db from '@adonisjs/lucid/services/db'
import type { WAMessage } from '@whiskeysockets/baileys'
import outboxDispatcher from '#channels/outbox_runtime'
import { driverFor } from '#channels/channel_registry'
import { baileysContext } from '#plugins/baileys/plugin_context'
import {
  doubles,
  manager,
  stopBaileys,
  useDoubleRuntime,
} from '#plugins/baileys/testing/double_runtime'
import pluginHost from '#plugin_host/plugin_host'
import type { Benchmark, BenchResult } from './harness.js'
import { percentile } from './harness.js'
import { createOrganization, resetDatabase } from '../tests/helpers/fixtures.js'

const CONNECTIONS = Number(process.env.BENCH_BAILEYS_CONNECTIONS ?? 20)
const PER_CONNECTION = Number(process.env.BENCH_BAILEYS_MESSAGES ?? 1000)
/** Baileys delivers messages.upsert in small batches (offline backlog, bursts). */
const BATCH = 5
const CUSTOMERS_PER_CONNECTION = 60

/** A full collection before each reading, or idle-session memory drowns in garbage. */
v8.setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapMiB() {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

/**
 * 20 Baileys numbers ingesting at the same time, WhatsApp played by the
 * socket double (real event shapes): every message goes through the
 * plugin's session queue, the LID-mapping lookup, the raw-message store and
 * the core's ingest port, as in production. Also the memory one idle
 * session costs on the server (the double stands in for the socket, so
 * Baileys' own socket state — websocket, signal caches — is not counted).
 */
const baileysBench: Benchmark = {
  name: 'baileys',
  description: `${CONNECTIONS} simulated Baileys connections ingesting together`,
  async run() {
    await outboxDispatcher.stop()
    await resetDatabase()
    await createOrganization()
    useDoubleRuntime()
    await pluginHost.enable('baileys', null)
    if (process.env.BENCH_BAILEYS_NO_LISTENERS) {
      // Diagnosis only: the pipeline without any listener (events recorded, not delivered).
      const emitter = (await import('@adonisjs/core/services/emitter')).default
      emitter.fake()
    }
    const results: BenchResult[] = []
    try {
      const heapBefore = heapMiB()
      const rssBefore = process.memoryUsage().rss / 2 ** 20
      const connections = []
      for (let i = 0; i < CONNECTIONS; i++) {
        const connection = await baileysContext().ports.channels.createConnection({
          name: `Bench ${i}`,
        })
        await driverFor(connection)!.connect()
        connections.push(connection)
      }
      for (const connection of connections) await manager().session(connection.id)!.idle()
      const perIdleHeap = (heapMiB() - heapBefore) / CONNECTIONS
      const perIdleRss = (process.memoryUsage().rss / 2 ** 20 - rssBefore) / CONNECTIONS

      const batchLatencies: number[] = []
      const cpu = process.cpuUsage()
      const started = performance.now()
      await Promise.all(
        connections.map(async (connection, c) => {
          const double = doubles.latest(connection.id)
          const session = manager().session(connection.id)!
          for (let i = 0; i < PER_CONNECTION; i += BATCH) {
            const messages: WAMessage[] = []
            for (let j = i; j < Math.min(i + BATCH, PER_CONNECTION); j++) {
              const customer = j % CUSTOMERS_PER_CONNECTION
              messages.push(
                double.customerText({
                  id: `3EB0BENCH${c}X${j}`,
                  text: `Buenos días, consulta ${j} sobre mi pedido`,
                  phone: `5939${String(c).padStart(2, '0')}${String(customer).padStart(6, '0')}`,
                  lid:
                    customer % 2
                      ? `7${String(c).padStart(2, '0')}${String(customer).padStart(9, '0')}`
                      : null,
                  name: `Cliente ${customer}`,
                })
              )
            }
            const t = performance.now()
            double.upsert(messages, i % 2 ? 'notify' : 'append')
            await session.idle()
            batchLatencies.push(performance.now() - t)
          }
        })
      )
      const seconds = (performance.now() - started) / 1000
      const total = CONNECTIONS * PER_CONNECTION
      const used = process.cpuUsage(cpu)
      const cpuPerMessage = (used.user + used.system) / 1000 / total
      const stored = Number((await db.from('messages').count('* as n').first())!.n)
      if (stored !== total) throw new Error(`${stored} messages stored for ${total} sent`)
      batchLatencies.sort((a, b) => a - b)
      const dataset = `${CONNECTIONS} connections × ${PER_CONNECTION} messages (batches of ${BATCH}, ${CUSTOMERS_PER_CONNECTION} customers each, half LID-addressed)`
      results.push({
        bench: 'baileys.ingest_20_connections',
        value: Math.round(total / seconds),
        unit: 'msg/s',
        p50: percentile(batchLatencies, 50),
        p95: percentile(batchLatencies, 95),
        dataset,
        target: '≥ 500 msg/s',
      })
      // Load-independent: what one message costs this process (the database's CPU is not counted).
      results.push({
        bench: 'baileys.node_cpu_per_message',
        value: Math.round(cpuPerMessage * 100) / 100,
        unit: 'ms',
        dataset: `${dataset}; load average ${os.loadavg()[0].toFixed(1)} during the run`,
      })
      results.push({
        bench: 'baileys.idle_session_heap',
        value: Math.round(perIdleHeap * 1000) / 1000,
        unit: 'MiB/connection',
        dataset: `${CONNECTIONS} idle sessions with the socket double (Baileys' socket itself not included)`,
      })
      results.push({
        bench: 'baileys.idle_session_rss',
        value: Math.round(perIdleRss * 1000) / 1000,
        unit: 'MiB/connection',
        dataset: `${CONNECTIONS} idle sessions with the socket double`,
      })
    } finally {
      await stopBaileys()
      await pluginHost.disable('baileys', null)
      await outboxDispatcher.start()
    }
    return results
  },
}

export default baileysBench
