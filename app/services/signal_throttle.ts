/**
 * Coalesces bursts of the same live signal: the first one goes at once, the
 * ones that follow within `intervalMs` become a single trailing send at the
 * end of the window. A busy queue (hundreds of messages a minute) then costs
 * each dashboard one refetch per window instead of one per message, and the
 * last change is never lost.
 */
export class SignalThrottle<Signal> {
  #windows = new Map<string, { pending: boolean }>()

  constructor(
    private intervalMs: number,
    private deliver: (channel: string, signal: Signal) => void
  ) {}

  push(channel: string, key: string, signal: Signal) {
    const id = `${channel}\u0000${key}`
    const open = this.#windows.get(id)
    if (open) {
      open.pending = true
      return
    }
    this.deliver(channel, signal)
    const window = { pending: false }
    this.#windows.set(id, window)
    const timer = setTimeout(() => {
      this.#windows.delete(id)
      if (window.pending) this.push(channel, key, signal)
    }, this.intervalMs)
    // A pending trailing signal must not keep a finished process (tests, ace) alive.
    timer.unref?.()
  }
}
