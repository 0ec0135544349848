/*
| `npm run bench` (all) or `npm run bench -- --only NAME`. Boots the app in
| process on a throwaway database (like the tests), runs the benchmarks in
| benchmarks/*.bench.ts, prints one JSON line per figure and rewrites the
| results table of docs/BENCHMARKS.md.
*/
process.env.NODE_ENV = 'test'

import 'reflect-metadata'
import { readdirSync } from 'node:fs'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import { applyRuntimeDefaults } from './runtime_defaults.js'
import { prepareTestDatabase } from '../tests/helpers/test_database.js'

applyRuntimeDefaults()
const args = process.argv.slice(2)
const onlyIndex = args.indexOf('--only')
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined
const database = await prepareTestDatabase()

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
