import env from '#start/env'
import { defineConfig } from '@adonisjs/transmit'
import { transmitTransport } from '#services/transmit_transport'

/**
 * In-process by default; with REDIS_URL every instance receives every
 * broadcast, so a browser connected to any instance sees live updates.
 */
export default defineConfig({
  pingInterval: '30s',
  transport: transmitTransport(env.get('REDIS_URL')),
})
