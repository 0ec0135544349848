/*
| HTTP server entrypoint: `npm start` runs this file through ts-exec, and so
| does the Docker image. It applies runtime defaults (APP_KEY, storage path),
| boots the app (embedded PostgreSQL, migrations) and starts listening.
*/
import 'reflect-metadata'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import { applyRuntimeDefaults } from './runtime_defaults.js'

process.env.NODE_ENV ||= 'production'
applyRuntimeDefaults()

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
    if (!app.managedByPm2) app.listen('SIGINT', () => app.terminate())
  })
  .httpServer()
  .start()
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
