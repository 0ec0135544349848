import { jobInterval } from '#plugin_host/plugin_job_runner'
import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import emitter from '@adonisjs/core/services/emitter'
import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { PluginContext, PluginPorts } from '#plugin_host/contract'
import type { InstalledPlugin } from '#plugin_host/installed_plugin'
import systemEventLog from '#services/system_event_log'

export interface ContextDependencies {
  appRoot: string
  logger: () => Logger
  isActive: (key: string) => boolean
  ports: PluginPorts
}

function toPath(directory: string | URL, appRoot: string) {
  if (directory instanceof URL) return fileURLToPath(directory)
  return isAbsolute(directory) ? directory : resolve(appRoot, directory)
}

/**
 * The only door from a plugin into the core. Declarations (routes, views,
 * migrations, listeners, jobs) are accepted only while register() runs, so a
 * plugin cannot add routes after the router is committed.
 */
export function createPluginContext(
  plugin: InstalledPlugin,
  deps: ContextDependencies
): PluginContext {
  const key = plugin.key
  let logger: Logger | undefined

  const declaring = (what: string) => {
    if (!plugin.registering)
      throw new Error(`Plugin "${key}": ${what} can only be declared inside register()`)
  }

  return {
    key,
    manifest: plugin.manifest,
    get logger() {
      logger ??= deps.logger().child({ plugin: key })
      return logger
    },

    routes(define) {
      declaring('routes')
      plugin.routes.push(define)
    },
    webhooks(define) {
      declaring('webhooks')
      plugin.webhookRoutes.push(define)
    },
    views(directory) {
      declaring('views')
      plugin.viewsPath = toPath(directory ?? `plugins/${key}/views`, deps.appRoot)
    },
    migrations(directory) {
      declaring('migrations')
      // Lucid names migrations by their path relative to the app root, so keep it relative:
      // the names stored in adonis_schema must not depend on where Chasqui is installed.
      const absolute = toPath(directory ?? `plugins/${key}/migrations`, deps.appRoot)
      plugin.migrationsPath = `./${relative(deps.appRoot, absolute).replaceAll('\\', '/')}`
    },
    jobs: {
      define(job) {
        declaring('jobs')
        if (plugin.jobs.some((declared) => declared.name === job.name))
          throw new Error(`Plugin "${key}": job "${job.name}" is declared twice`)
        jobInterval(job.schedule, `Plugin "${key}", job "${job.name}"`)
        plugin.jobs.push(job)
      },
    },

    events: {
      on(event, handler) {
        declaring('listeners')
        plugin.listeners.push({ event: event as string, handler })
      },
      async emit(event, payload) {
        if (!plugin.manifest.events?.includes(event)) {
          throw new Error(`Plugin "${key}" may not emit "${event}": list it in manifest.events`)
        }
        await emitter.emit(event as any, payload as any)
      },
    },
    settings: {
      get: () => plugin.currentSettings() as any,
    },
    systemEvents: {
      async record(input) {
        await systemEventLog.record({ ...input, source: key })
      },
    },
    permissions: {
      allows: (user, permission) => user.can(permission),
    },
    isActive: () => deps.isActive(key),
    get db() {
      return db
    },
    ports: deps.ports,
  }
}
