import { join } from 'node:path'
import winston from 'winston'
import DailyRotateFile from 'winston-daily-rotate-file'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import db from '@adonisjs/lucid/services/db'

export type SystemEventLevel = 'info' | 'warning' | 'critical'

export interface SystemEventInput {
  level: SystemEventLevel
  /** Short machine name of what happened: `connection.lost`, `webhook.bad_signature`, `plugin.crashed`… */
  category: string
  message: string
  /** `core` or the plugin key that reported it. */
  source?: string
  context?: Record<string, unknown>
}

/**
 * The critical-events log (R-OPS-1): every event goes to a daily-rotating
 * JSON-lines file in storage/logs (readable even when the database is down)
 * and to the `system_events` table that admins browse. Request logs stay in
 * AdonisJS's own logger.
 */
export class SystemEventLog {
  #file?: winston.Logger

  #logger() {
    if (!this.#file) {
      const dirname = join(process.env.CHASQUI_STORAGE_PATH || app.makePath('storage'), 'logs')
      this.#file = winston.createLogger({
        level: 'info',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
        transports: [
          new DailyRotateFile({
            dirname,
            filename: 'chasqui-events-%DATE%.log',
            datePattern: 'YYYY-MM-DD',
            maxFiles: '30d',
          }),
        ],
      })
    }
    return this.#file
  }

  async record(input: SystemEventInput) {
    const source = input.source ?? 'core'
    const context = input.context ?? {}
    this.#logger().log({
      level: input.level === 'critical' ? 'error' : input.level === 'warning' ? 'warn' : 'info',
      message: input.message,
      category: input.category,
      source,
      context,
    })
    let id: number
    try {
      const [row] = await db
        .insertQuery()
        .table('system_events')
        .insert({
          level: input.level,
          category: input.category,
          source,
          message: input.message,
          context: JSON.stringify(context),
          created_at: new Date(),
        })
        .returning('id')
      id = Number(typeof row === 'object' ? row.id : row)
    } catch (error) {
      // The file above already has the event; a database outage must not hide it.
      this.#logger().error({
        message: 'could not store system event',
        error: (error as Error).message,
      })
      return null
    }
    // Outside the try: a failing listener is not a storage failure (the
    // emitter's error handler in start/events.ts logs it).
    await emitter.emit('system_event:recorded', {
      id,
      level: input.level,
      category: input.category,
      source,
      message: input.message,
    })
    return id
  }

  async close() {
    this.#file?.close()
  }
}

export default new SystemEventLog()

declare module '@adonisjs/core/types' {
  interface EventsList {
    /** After the row is stored (no transaction involved). */
    'system_event:recorded': {
      id: number
      level: SystemEventLevel
      category: string
      source: string
      message: string
    }
  }
}
