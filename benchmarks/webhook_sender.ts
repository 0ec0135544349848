/*
| Meta's side of the webhook benchmark, on a thread of its own: signs and
| posts the bodies with `concurrency` requests in flight (keep-alive, as Meta
| sends) and reports each answer's status and time. On its own thread the
| sender's work does not queue on the server's event loop: Meta's servers
| are not ours. Its CPU still counts in the process's figures.
*/
import { parentPort, workerData } from 'node:worker_threads'
import { Agent, request } from 'node:http'
import { createHmac } from 'node:crypto'

export interface SenderSetup {
  url: string
  appSecret: string
  concurrency: number
}

export interface SenderOutput {
  statuses: number[]
  latencies: number[]
}

const { url, appSecret, concurrency } = workerData as SenderSetup
// Open loops may need more sockets than the closed loop's concurrency.
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(concurrency, 256) })

function post(body: string) {
  const bytes = Buffer.from(body)
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'facebookexternalua',
    'content-length': String(bytes.length),
    'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(bytes).digest('hex')}`,
  }
  return new Promise<number>((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(bytes)
  })
}

/** Closed loop: `concurrency` requests in flight, the next sent as soon as one is answered. */
async function send(bodies: string[]) {
  const output: SenderOutput = { statuses: [], latencies: [] }
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const started = performance.now()
        output.statuses.push(await post(body))
        output.latencies.push(performance.now() - started)
      }
    })
  )
  return output
}

/** Open loop, as Meta really sends: one body every 1/rate s, whatever the answers take. */
async function offer(bodies: string[], rate: number) {
  const output: SenderOutput = { statuses: [], latencies: [] }
  const inFlight: Promise<void>[] = []
  const started = performance.now()
  for (const [i, body] of bodies.entries()) {
    const wait = started + (i * 1000) / rate - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const sent = performance.now()
    inFlight.push(
      post(body).then((status) => {
        output.statuses.push(status)
        output.latencies.push(performance.now() - sent)
      })
    )
  }
  await Promise.all(inFlight)
  return output
}

export interface SenderRequest {
  bodies: string[]
  /** Webhooks per second for an open loop; absent: closed loop. */
  rate?: number
}

// One request per message; the answer is its results. An empty one ends the thread.
parentPort!.on('message', async ({ bodies, rate }: SenderRequest) => {
  if (!bodies.length) {
    agent.destroy()
    parentPort!.close()
    return
  }
  parentPort!.postMessage(rate ? await offer(bodies, rate) : await send(bodies))
})
