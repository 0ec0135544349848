/**
 * Coalesces identical work that is already running: callers asking for the
 * same key while a first call is in flight get its promise instead of
 * starting their own. Nothing is kept once it settles, so no answer is
 * older than the request that was already running. A live signal makes every
 * open dashboard refetch at the same moment; with this, twenty supervisors
 * cost one set of queries instead of twenty.
 */
export class SingleFlight {
  #running = new Map<string, Promise<unknown>>()

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key)
    if (running) return running as Promise<T>
    const promise = work().finally(() => this.#running.delete(key))
    this.#running.set(key, promise)
    return promise
  }
}
