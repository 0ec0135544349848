/*
| `npm run bench` (all) or `npm run bench -- --only NAME`. Boots the app in
| process, runs the benchmarks in benchmarks/*.bench.ts, prints one JSON line
| per figure and rewrites the results table of docs/BENCHMARKS.md.
|
| Database: with TEST_DATABASE_URL, a throwaway database on that server (like
| the tests). Without it, a database of this run on the benchmarks' own
| embedded cluster (benchmarks/bench_cluster.ts), kept between runs so the
| data sets cached there as template databases (benchmarks/datasets/) survive.
*/
process.env.NODE_ENV = 'test'

import 'reflect-metadata'
import { readdirSync } from 'node:fs'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import { applyRuntimeDefaults } from './runtime_defaults.js'
import { prepareTestDatabase } from '../tests/helpers/test_database.js'
import { prepareBenchCluster } from '../benchmarks/bench_cluster.js'

applyRuntimeDefaults()
const args = process.argv.slice(2)
const onlyIndex = args.indexOf('--only')
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined
const database = process.env.TEST_DATABASE_URL
  ? await prepareTestDatabase()
  : await prepareBenchCluster()

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
  // Production renders from compiled templates; NODE_ENV=test (set above for the test database
  // helpers) would recompile every template on every request and measure the compiler instead.
  const { default: edge } = await import('edge.js')
  edge.configure({ cache: true })
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
