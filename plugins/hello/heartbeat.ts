/**
 * The hello plugin's background work: a timer started by activate() and
 * cleared by deactivate(). The counters let tests (and curious admins) see
 * that both lifecycle hooks really ran.
 */
export class Heartbeat {
  activations = 0
  deactivations = 0
  beats = 0
  #timer?: NodeJS.Timeout

  get running() {
    return Boolean(this.#timer)
  }

  start(intervalMs: number) {
    this.stop()
    this.activations += 1
    this.#timer = setInterval(() => (this.beats += 1), intervalMs)
    // Never keeps the process alive on its own.
    this.#timer.unref()
  }

  stop() {
    if (!this.#timer) return
    clearInterval(this.#timer)
    this.#timer = undefined
    this.deactivations += 1
  }
}

const heartbeat = new Heartbeat()
export default heartbeat
