import { test } from '@japa/runner'
import { SignalThrottle } from '#services/signal_throttle'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test.group('SignalThrottle', () => {
  test('the first signal goes at once, a burst becomes one trailing signal', async ({ assert }) => {
    const sent: string[] = []
    const throttle = new SignalThrottle<string>(50, (channel, signal) =>
      sent.push(`${channel}:${signal}`)
    )
    throttle.push('dashboard', 'conversations', 'a')
    assert.deepEqual(sent, ['dashboard:a'])
    for (let i = 0; i < 10; i++) throttle.push('dashboard', 'conversations', 'a')
    assert.lengthOf(sent, 1)
    await sleep(80)
    assert.deepEqual(sent, ['dashboard:a', 'dashboard:a'])
    // The trailing send opened a new window that closes quietly.
    await sleep(80)
    assert.lengthOf(sent, 2)
  })

  test('channels and areas are throttled apart', ({ assert }) => {
    const sent: string[] = []
    const throttle = new SignalThrottle<string>(1000, (channel, signal) =>
      sent.push(`${channel}:${signal}`)
    )
    throttle.push('dashboard', 'conversations', 'c')
    throttle.push('dashboard', 'connections', 'k')
    throttle.push('users/7', 'conversations', 'c')
    throttle.push('dashboard', 'conversations', 'c')
    assert.deepEqual(sent, ['dashboard:c', 'dashboard:k', 'users/7:c'])
  })
})
