import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'

/** For Docker health checks and load balancers: 200 when the database answers, 503 otherwise. */
export default class HealthController {
  async show({ response }: HttpContext) {
    const started = performance.now()
    try {
      await db.rawQuery('SELECT 1')
      const latencyMs = Math.round((performance.now() - started) * 10) / 10
      return response.ok({ status: 'ok', database: { status: 'up', latencyMs } })
    } catch (error) {
      return response.serviceUnavailable({
        status: 'error',
        database: { status: 'down', error: (error as Error).message },
      })
    }
  }
}
