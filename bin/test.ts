/*
| Test entrypoint (`npm test` → `node ace test` → this file). Gives the run
| its own database, boots the app in the test environment and runs Japa.
*/
process.env.NODE_ENV = 'test'

import 'reflect-metadata'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import { configure, processCLIArgs, run } from '@japa/runner'
import { applyRuntimeDefaults } from './runtime_defaults.js'
import { prepareTestDatabase } from '../tests/helpers/test_database.js'

applyRuntimeDefaults()
const testDatabase = await prepareTestDatabase()

const APP_ROOT = new URL('../', import.meta.url)

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

new Ignitor(APP_ROOT, { importer: IMPORTER })
  .tap((app) => {
    app.booting(async () => {
      await import('#start/env')
    })
    app.listen('SIGTERM', () => app.terminate())
    app.listenIf(app.managedByPm2, 'SIGINT', () => app.terminate())
  })
  .testRunner()
  .configure(async (app) => {
    const { runnerHooks, ...config } = await import('../tests/bootstrap.js')

    processCLIArgs(process.argv.splice(2))
    // The canary suite (a test that must fail) runs only when CI asks for it,
    // to prove a failing test makes `npm test` exit non-zero.
    const suites = process.env.CHASQUI_CANARY
      ? [{ name: 'canary', files: ['tests/canary/**/*.spec.ts'], timeout: 10000 }]
      : app.rcFile.tests.suites
    configure({
      ...app.rcFile.tests,
      ...config,
      suites,
      setup: runnerHooks.setup,
      teardown: [
        ...runnerHooks.teardown,
        async () => {
          await app.terminate()
          await testDatabase.cleanup()
        },
      ],
    })
  })
  .run(() => run())
  .catch((error) => {
    prettyPrintError(error)
    // A failure before the runner ends would leave the embedded cluster's child
    // process holding the event loop: exit now (its 'exit' hook stops the cluster).
    process.exit(1)
  })
