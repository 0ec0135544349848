import { redis } from '@adonisjs/transmit/transports/redis'

/**
 * Transmit's transport from REDIS_URL: with several instances behind a load
 * balancer, a broadcast made on one instance must reach browsers connected to
 * any other. Without a URL, broadcasts stay in-process (one instance).
 */
export function transmitTransport(redisUrl: string | undefined) {
  if (!redisUrl) return null
  return { driver: redis(redisOptions(redisUrl)) }
}

export function redisOptions(value: string) {
  const url = new URL(value)
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    keyPrefix: 'chasqui:transmit:',
  }
}
