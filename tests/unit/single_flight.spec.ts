import { test } from '@japa/runner'
import { SingleFlight } from '#services/single_flight'

test.group('SingleFlight', () => {
  test('callers of a running key share its result; a settled key runs again', async ({
    assert,
  }) => {
    const flight = new SingleFlight()
    let runs = 0
    const work = async () => {
      const run = ++runs
      await new Promise((resolve) => setTimeout(resolve, 20))
      return run
    }
    const results = await Promise.all([
      flight.run('a', work),
      flight.run('a', work),
      flight.run('b', work),
    ])
    assert.deepEqual(results, [1, 1, 2])
    assert.equal(await flight.run('a', work), 3)
  })

  test('a failure reaches every waiting caller and is not kept', async ({ assert }) => {
    const flight = new SingleFlight()
    const failing = () => Promise.reject(new Error('boom'))
    const outcomes = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing)])
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected']
    )
    assert.equal(await flight.run('k', async () => 'ok'), 'ok')
  })
})
