import env from '#start/env'
import { defineConfig } from '@adonisjs/transmit'
import { redis } from '@adonisjs/transmit/transports/redis'

const redisUrl = env.get('REDIS_URL')

/**
 * In-process by default; with REDIS_URL every instance receives every
 * broadcast, so a browser connected to any instance sees live updates.
 */
export default defineConfig({
  pingInterval: '30s',
  transport: redisUrl ? { driver: redis(parseRedisUrl(redisUrl)) } : null,
})

function parseRedisUrl(value: string) {
  const url = new URL(value)
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    password: url.password || undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    keyPrefix: 'chasqui:transmit:',
  }
}
