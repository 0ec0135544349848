import string from '@adonisjs/core/helpers/string'
import db from '@adonisjs/lucid/services/db'
import type { Logger } from '@adonisjs/core/logger'
import type { PluginJob } from '#plugin_host/contract'
import systemEventLog from '#services/system_event_log'

/** A job's schedule in milliseconds; refuses what would run too often or never. */
export function jobInterval(schedule: string, owner: string) {
  let ms: number
  try {
    ms = string.milliseconds.parse(schedule)
  } catch {
    ms = Number.NaN
  }
  if (!Number.isFinite(ms) || ms < 1000)
    throw new Error(`${owner}: schedule "${schedule}" is not an interval of at least 1s`)
  return ms
}

interface JobSource {
  /** Every declared job, with its plugin; the runner asks `isActive` on each tick. */
  jobs(): { plugin: string; job: PluginJob }[]
  isActive(plugin: string): boolean
}

/**
 * Runs plugins' declared jobs on their intervals while their plugin is
 * enabled. A run never overlaps the previous one of the same job, and with
 * several instances on one database only the instance that wins a
 * transaction-scoped advisory lock runs it (the others skip that tick), so a
 * job such as "sync templates" does not run N times. A failing run is a
 * critical system event, never a crash.
 */
export class PluginJobRunner {
  #timers: NodeJS.Timeout[] = []
  #running = new Set<string>()

  constructor(
    private source: JobSource,
    private logger: Logger
  ) {}

  start() {
    for (const { plugin, job } of this.source.jobs()) {
      const every = jobInterval(job.schedule, `Plugin "${plugin}", job "${job.name}"`)
      const timer = setInterval(() => void this.runOnce(plugin, job), every)
      timer.unref()
      this.#timers.push(timer)
    }
  }

  stop() {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
  }

  /** One tick of one job; resolves to whether it ran here. */
  async runOnce(plugin: string, job: PluginJob): Promise<boolean> {
    const id = `${plugin}:${job.name}`
    if (!this.source.isActive(plugin) || this.#running.has(id)) return false
    this.#running.add(id)
    try {
      return await db.transaction(async (trx) => {
        const lock = await trx.rawQuery('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS won', [
          `chasqui.plugin_job:${id}`,
        ])
        if (!lock.rows[0].won) return false
        await job.run()
        return true
      })
    } catch (error) {
      this.logger.error({ plugin, job: job.name, err: error }, 'plugin job failed')
      await systemEventLog.record({
        level: 'critical',
        category: 'plugin.job_failed',
        source: plugin,
        message: `Plugin ${plugin}: job ${job.name} failed: ${(error as Error).message}`,
      })
      return false
    } finally {
      this.#running.delete(id)
    }
  }
}
