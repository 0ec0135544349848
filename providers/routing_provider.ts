import type { ApplicationService } from '@adonisjs/core/types'

/** How often idle agents are written offline and the queue is looked at again. */
const SWEEP_EVERY_MS = 60_000

/**
 * Availability housekeeping for the web process: every minute, agents idle
 * past the organization's limit go offline (and their tabs are told), and the
 * routing queue is served once more, a safety net for a capacity change whose
 * event was lost (a crash right after commit). Several instances may run it:
 * both steps are idempotent and lock rows with SKIP LOCKED or per decision.
 */
export default class RoutingProvider {
  #timer?: NodeJS.Timeout
  #running = false

  constructor(protected app: ApplicationService) {}

  async ready() {
    if (this.app.getEnvironment() !== 'web') return
    const { default: presence } = await import('#services/routing/agent_presence')
    const { default: engine } = await import('#services/routing/assignment_engine')
    const { default: logger } = await import('@adonisjs/core/services/logger')
    this.#timer = setInterval(async () => {
      if (this.#running) return
      this.#running = true
      try {
        await presence.sweepIdle()
        await engine.serveQueue()
      } catch (error) {
        logger.warn({ err: error }, 'routing sweep failed')
      } finally {
        this.#running = false
      }
    }, SWEEP_EVERY_MS)
    this.#timer.unref()
  }

  async shutdown() {
    if (this.#timer) clearInterval(this.#timer)
  }
}
