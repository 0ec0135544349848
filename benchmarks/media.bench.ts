import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import testUtils from '@adonisjs/core/services/test_utils'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import mediaStore from '#services/media_store'
import mediaUploads from '#services/media_uploads'
import messageComposer from '#services/message_composer'
import type { Benchmark, BenchResult } from './harness.js'
import { timeIt } from './harness.js'
import { login } from './http_session.js'
import { createUser, resetDatabase } from '../tests/helpers/fixtures.js'
import { createConnection, receive } from '../tests/helpers/conversation_fixtures.js'

const MB = 1024 * 1024

/**
 * A 1 MiB PNG: a real PNG head (what the policy sniffs) and a unique tail,
 * so every upload is new bytes (the store deduplicates identical files).
 */
function imageOf(head: Buffer, n: number) {
  const tail = Buffer.alloc(MB - head.length)
  tail.writeUInt32BE(n, 0)
  return Buffer.concat([head, tail])
}

const media: Benchmark = {
  name: 'media',
  description:
    'composer media: upload (sniff + hash + store + row), send (claim + outbox), serving over HTTP',
  async run() {
    await resetDatabase()
    const root = await mkdtemp(join(tmpdir(), 'chasqui-bench-media-'))
    mediaStore.useRoot(root)
    try {
      const agent = await createUser('agent', {
        email: 'bench-media@example.com',
        password: 'bench-pass',
      })
      const connection = await createConnection()
      const { conversationId } = await receive(connection, { waId: '593990000001' })
      await db
        .from('conversations')
        .where('id', conversationId)
        .update({ assigned_user_id: agent.id, state: 'in_progress' })
      const head = await readFile(app.makePath('tests/fixtures/media/tiny.png'))
      const dataset = '1 MiB PNG per file, one conversation, files on local disk'
      const results: BenchResult[] = []
      let n = 0

      const upload = await timeIt(
        () => mediaUploads.create(agent.id, imageOf(head, ++n), 'foto.png'),
        100,
        10
      )
      results.push({
        bench: 'media.upload_1mib_image',
        value: upload.p95,
        unit: 'ms p95',
        p50: upload.p50,
        p95: upload.p95,
        dataset,
      })

      const send = await timeIt(
        async () => {
          const receipt = await mediaUploads.create(agent.id, imageOf(head, ++n), 'foto.png')
          await messageComposer.send({
            conversationId,
            authorUserId: agent.id,
            mode: 'text',
            body: 'Su comprobante',
            mediaToken: receipt.token,
            clientId: `bench-${n}`,
          })
        },
        100,
        10
      )
      results.push({
        bench: 'media.upload_and_send_image',
        value: send.p95,
        unit: 'ms p95',
        p50: send.p50,
        p95: send.p95,
        dataset,
      })

      const message = await db
        .from('messages')
        .where('conversation_id', conversationId)
        .where('kind', 'image')
        .select('id')
        .firstOrFail()
      const close = await testUtils.httpServer().start()
      try {
        const base = `http://${process.env.HOST}:${process.env.PORT}`
        const cookie = await login(base, agent.email, 'bench-pass')
        const serve = await timeIt(async () => {
          const response = await fetch(`${base}/media/messages/${message.id}`, {
            headers: { cookie },
          })
          if (response.status !== 200) throw new Error(`media route answered ${response.status}`)
          await response.arrayBuffer()
        }, 200)
        results.push({
          bench: 'media.serve_1mib_http',
          value: serve.p95,
          unit: 'ms p95',
          p50: serve.p50,
          p95: serve.p95,
          dataset,
        })
      } finally {
        await close()
      }
      return results
    } finally {
      mediaStore.useRoot(null)
      await rm(root, { recursive: true, force: true })
    }
  },
}

export default media
