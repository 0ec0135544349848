/*
| `npm run bench` (all) or `npm run bench -- --only NAME`. Boots the app in
| process, runs the benchmarks in benchmarks/*.bench.ts, prints one JSON line
| per figure and rewrites the results table of docs/BENCHMARKS.md.
|
| Database: with TEST_DATABASE_URL, a throwaway database on that server (like
| the tests). Without it, the bench's own embedded cluster, kept between runs
| in $TMPDIR/chasqui-bench-pg on port 54391 so the generated data sets cached
| there as template databases (benchmarks/datasets/) survive; its `chasqui`
| database is emptied or replaced by each benchmark.
*/
process.env.NODE_ENV = 'test'

import 'reflect-metadata'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import { applyRuntimeDefaults } from './runtime_defaults.js'
import { prepareTestDatabase } from '../tests/helpers/test_database.js'

applyRuntimeDefaults()
const args = process.argv.slice(2)
const onlyIndex = args.indexOf('--only')
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined
const database = process.env.TEST_DATABASE_URL
  ? await prepareTestDatabase()
  : await prepareBenchCluster()

async function prepareBenchCluster() {
  process.env.HOST = '127.0.0.1'
  process.env.PORT = String(await freePort())
  process.env.EMBEDDED_PG_DIR = process.env.BENCH_PG_DIR || join(tmpdir(), 'chasqui-bench-pg')
  process.env.EMBEDDED_PG_PORT = process.env.BENCH_PG_PORT || '54391'
  process.env.EMBEDDED_PG_PASSWORD = 'chasqui-bench'
  process.env.EMBEDDED_PG_EPHEMERAL = 'false'
  delete process.env.DATABASE_URL
  return { cleanup: async () => {} }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const APP_ROOT = new URL('../', import.meta.url)
const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

const app = new Ignitor(APP_ROOT, { importer: IMPORTER })
  .tap((application) => {
    application.booting(async () => {
      await import('#start/env')
    })
  })
  .createApp('test')

try {
  await app.init()
  await app.boot()
  await app.start(async () => {})
  const { default: testUtils } = await import('@adonisjs/core/services/test_utils')
  await testUtils.db().migrate()
  const { runBenchmarks } = await import('../benchmarks/harness.js')
  const files = readdirSync(new URL('../benchmarks/', import.meta.url)).filter((f) =>
    f.endsWith('.bench.ts')
  )
  const failures = await runBenchmarks(app, files, only)
  process.exitCode = failures ? 1 : 0
} catch (error) {
  process.exitCode = 1
  prettyPrintError(error)
} finally {
  await app.terminate()
  await database.cleanup()
}
