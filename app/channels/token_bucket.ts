/**
 * Per-key token buckets in this process: `rate` tokens per second, at most
 * one second's worth saved up (so a burst after a quiet minute is still
 * bounded by the rate). Used for per-connection send limits; with several
 * instances each one applies the limit on its own share.
 */
export class TokenBucket {
  #buckets = new Map<string | number, { tokens: number; at: number }>()

  constructor(private clock: () => number = () => performance.now()) {}

  /** Takes a token and returns 0, or returns how many ms until one is available (taking nothing). */
  take(key: string | number, ratePerSecond: number): number {
    const rate = ratePerSecond > 0 ? ratePerSecond : 1
    const capacity = Math.max(1, rate)
    const now = this.clock()
    const bucket = this.#buckets.get(key) ?? { tokens: capacity, at: now }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - bucket.tokens) / rate) * 1000)
  }
}
