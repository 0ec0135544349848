import { test } from '@japa/runner'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import { SystemEventLog } from '#services/system_event_log'
import { resetDatabase } from '#tests/helpers/fixtures'

/**
 * A log writing under its own storage folder: the folder is read when the
 * first event is written, so it is set before that and restored after.
 */
async function logInTempStorage() {
  const storage = await mkdtemp(join(tmpdir(), 'chasqui-events-'))
  const previous = process.env.CHASQUI_STORAGE_PATH
  process.env.CHASQUI_STORAGE_PATH = storage
  const log = new SystemEventLog()
  return {
    log,
    storage,
    /** JSON lines of the day's file; winston writes asynchronously, so wait for `count` of them. */
    async lines(count: number) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const files = await readdir(join(storage, 'logs')).catch(() => [] as string[])
        const file = files.find((name) => /^chasqui-events-\d{4}-\d{2}-\d{2}\.log$/.test(name))
        if (file) {
          const lines = (await readFile(join(storage, 'logs', file), 'utf8'))
            .split('\n')
            .filter(Boolean)
          if (lines.length >= count) return lines.map((line) => JSON.parse(line))
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`the log file never had ${count} line(s)`)
    },
    async cleanup() {
      await log.close()
      if (previous === undefined) delete process.env.CHASQUI_STORAGE_PATH
      else process.env.CHASQUI_STORAGE_PATH = previous
      await rm(storage, { recursive: true, force: true })
    },
  }
}

test.group('System event log', (group) => {
  group.each.setup(() => resetDatabase())

  test('an event lands in the table and in the daily file under storage/logs', async ({
    assert,
    cleanup,
  }) => {
    const target = await logInTempStorage()
    cleanup(() => target.cleanup())
    const events = emitter.fake(['system_event:recorded'])
    cleanup(() => emitter.restore())

    const id = await target.log.record({
      level: 'critical',
      category: 'connection.lost',
      source: 'baileys',
      message: 'Número 0999 desconectado',
      context: { connectionId: 4 },
    })

    const row = await db.from('system_events').where('id', id!).firstOrFail()
    assert.equal(row.level, 'critical')
    assert.equal(row.category, 'connection.lost')
    assert.equal(row.source, 'baileys')
    assert.deepEqual(row.context, { connectionId: 4 })

    const [line] = await target.lines(1)
    assert.equal(line.level, 'error')
    assert.equal(line.category, 'connection.lost')
    assert.equal(line.source, 'baileys')
    assert.equal(line.message, 'Número 0999 desconectado')
    assert.deepEqual(line.context, { connectionId: 4 })
    assert.exists(line.timestamp)

    events.assertEmitted(
      'system_event:recorded',
      ({ data }) => data.id === id && data.level === 'critical' && data.source === 'baileys'
    )
  })

  test('levels map to the file: warning → warn, info → info', async ({ assert, cleanup }) => {
    const target = await logInTempStorage()
    cleanup(() => target.cleanup())
    await target.log.record({ level: 'warning', category: 'send.failed', message: 'retrying' })
    await target.log.record({ level: 'info', category: 'plugin.enabled', message: 'enabled' })
    const lines = await target.lines(2)
    assert.deepEqual(
      lines.map((line) => [line.level, line.category]),
      [
        ['warn', 'send.failed'],
        ['info', 'plugin.enabled'],
      ]
    )
  })

  test('when the table refuses the event, the file still has it and nothing is announced', async ({
    assert,
    cleanup,
  }) => {
    const target = await logInTempStorage()
    cleanup(() => target.cleanup())
    const events = emitter.fake(['system_event:recorded'])
    cleanup(() => emitter.restore())

    // Longer than the column: the insert fails as it would with the database down.
    const id = await target.log.record({
      level: 'critical',
      category: 'x'.repeat(80),
      message: 'kept in the file',
    })
    assert.isNull(id)
    const lines = await target.lines(2)
    assert.equal(lines[0].message, 'kept in the file')
    assert.equal(lines[1].message, 'could not store system event')
    assert.equal(Number((await db.from('system_events').count('* as total'))[0].total), 0)
    events.assertNotEmitted('system_event:recorded')
  })
})
