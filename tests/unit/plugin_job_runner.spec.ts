import { test } from '@japa/runner'
import logger from '@adonisjs/core/services/logger'
import SystemEvent from '#models/system_event'
import { definePlugin } from '#plugin_host/contract'
import { PluginHost } from '#plugin_host/plugin_host'
import { jobInterval, PluginJobRunner } from '#plugin_host/plugin_job_runner'
import { PermissionRegistry } from '#permissions/permission_registry'
import { Navigation } from '#services/navigation'
import { resetDatabase } from '#tests/helpers/fixtures'

function runnerOver(active: Set<string>, jobs: { plugin: string; job: any }[]) {
  return new PluginJobRunner({ jobs: () => jobs, isActive: (key) => active.has(key) }, logger)
}

test.group('Plugin jobs', (group) => {
  group.each.setup(() => resetDatabase())

  test('schedules are human intervals of at least a second', ({ assert }) => {
    assert.equal(jobInterval('30s', 'job'), 30_000)
    assert.equal(jobInterval('5m', 'job'), 300_000)
    assert.throws(() => jobInterval('*/5 * * * *', 'Plugin "x", job "y"'), /Plugin "x", job "y"/)
    assert.throws(() => jobInterval('10ms', 'job'), /at least 1s/)
  })

  test('a plugin declaring a bad schedule or the same job twice fails at boot, named', async ({
    assert,
  }) => {
    const host = () =>
      new PluginHost({
        coreVersion: '0.1.0',
        permissions: new PermissionRegistry(),
        navigation: new Navigation(),
      })
    const withJobs = (key: string, schedules: string[]) =>
      definePlugin({
        manifest: {
          key,
          name: { es: key, en: key },
          description: { es: key, en: key },
          version: '1.0.0',
          kind: 'feature',
          coreVersion: '>=0.1.0',
        },
        register(ctx) {
          for (const schedule of schedules) ctx.jobs.define({ name: 'sync', schedule, run() {} })
        },
      })
    await assert.rejects(() => host().load([withJobs('cronish', ['0 * * * *'])]), /cronish/)
    await assert.rejects(() => host().load([withJobs('twice', ['1m', '1m'])]), /declared twice/)
  })

  test('runs only while its plugin is enabled', async ({ assert }) => {
    const active = new Set<string>()
    let runs = 0
    const job = { name: 'count', schedule: '1m', run: () => void runs++ }
    const runner = runnerOver(active, [{ plugin: 'meta', job }])
    assert.isFalse(await runner.runOnce('meta', job))
    active.add('meta')
    assert.isTrue(await runner.runOnce('meta', job))
    assert.equal(runs, 1)
  })

  test('two instances never run the same job at once; a run never overlaps itself', async ({
    assert,
  }) => {
    const active = new Set(['meta'])
    let release!: () => void
    const blocked = new Promise<void>((resolve) => (release = resolve))
    let runs = 0
    const job = {
      name: 'sync_templates',
      schedule: '1m',
      run: async () => {
        runs++
        await blocked
      },
    }
    const first = runnerOver(active, [{ plugin: 'meta', job }])
    const second = runnerOver(active, [{ plugin: 'meta', job }])

    const running = first.runOnce('meta', job)
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.isFalse(await first.runOnce('meta', job), 'overlapping run on the same instance')
    assert.isFalse(await second.runOnce('meta', job), 'same job on another instance')
    release()
    assert.isTrue(await running)
    assert.isTrue(await second.runOnce('meta', job), 'free again once the first run ended')
    assert.equal(runs, 2)
  })

  test('a failing run is a critical system event naming plugin and job', async ({ assert }) => {
    const job = {
      name: 'sync_templates',
      schedule: '1m',
      run: () => {
        throw new Error('Graph API unreachable')
      },
    }
    const runner = runnerOver(new Set(['meta']), [{ plugin: 'meta', job }])
    assert.isFalse(await runner.runOnce('meta', job))
    const event = await SystemEvent.query().where('category', 'plugin.job_failed').firstOrFail()
    assert.equal(event.level, 'critical')
    assert.equal(event.source, 'meta')
    assert.include(event.message, 'sync_templates')
    assert.include(event.message, 'Graph API unreachable')
  })
})
