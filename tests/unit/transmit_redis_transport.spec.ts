import { test } from '@japa/runner'
import { createServer, get, type Server } from 'node:http'
import { connect } from 'node:net'
import { Transmit } from '@boringnode/transmit'
import { redisOptions, transmitTransport } from '#services/transmit_transport'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The fan-out test needs a real Redis; a machine without one skips it, saying so. */
const redisAnswers = await new Promise<boolean>((resolve) => {
  const { host, port } = redisOptions(REDIS_URL)
  const socket = connect({ host, port }, () => {
    socket.end()
    resolve(true)
  })
  socket.on('error', () => resolve(false))
  socket.setTimeout(1000, () => {
    socket.destroy()
    resolve(false)
  })
})

/** One app instance's SSE endpoint: a browser stream subscribed to `channel`. */
function instanceServing(transmit: Transmit<Record<string, never>>, channel: string) {
  const server = createServer((request, response) => {
    transmit.createStream({ uid: 'browser-1', request, response, context: {} })
    void transmit.subscribe({ uid: 'browser-1', channel, context: {}, skipAuthorization: true })
  })
  return new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function firstEvent(server: Server, matching: string) {
  const { port } = server.address() as { port: number }
  return new Promise<string>((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path: '/' }, (response) => {
      let received = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        received += chunk
        if (received.includes(matching)) {
          request.destroy()
          resolve(received)
        }
      })
    })
    request.on('error', (error) => {
      if (!(error as NodeJS.ErrnoException).code?.includes('ECONNRESET')) reject(error)
    })
  })
}

test.group('Live updates across instances (REDIS_URL)', () => {
  test('no REDIS_URL: in-process, no transport', ({ assert }) => {
    assert.isNull(transmitTransport(undefined))
    assert.isNull(transmitTransport(''))
  })

  test('the URL gives host, port, credentials and database', ({ assert }) => {
    assert.deepInclude(redisOptions('redis://user:p%40ss@redis.local:6380/2'), {
      host: 'redis.local',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
    })
    assert.deepInclude(redisOptions('redis://redis'), { port: 6379, db: 0, password: undefined })
  })

  test('a broadcast on one instance reaches a browser connected to another', async ({
    assert,
    cleanup,
  }) => {
    const channel = `users/${Date.now()}`
    const instance = () => {
      const transport = transmitTransport(REDIS_URL)!
      return new Transmit<Record<string, never>>({ transport }, transport.driver())
    }
    const a = instance()
    const b = instance()
    const server = await instanceServing(a, channel)
    cleanup(async () => {
      server.closeAllConnections()
      server.close()
      await a.shutdown()
      await b.shutdown()
    })

    const received = firstEvent(server, 'notification.created')
    // The subscription and Redis's SUBSCRIBE settle asynchronously: repeat until it lands.
    const timer = setInterval(() => b.broadcast(channel, { type: 'notification.created' }), 100)
    cleanup(() => clearInterval(timer))
    const stream = await received
    assert.include(stream, `"channel":"${channel}"`)
    assert.include(stream, '"type":"notification.created"')
  })
    .timeout(10_000)
    .skip(!redisAnswers, `no Redis answers at ${REDIS_URL}`)
})
