import { test } from '@japa/runner'

/*
| Runs only with CHASQUI_CANARY=1 (see bin/test.ts). `.ci/run` requires this
| run to exit non-zero: it proves that a failing test fails CI even with the
| embedded PostgreSQL's exit hooks loaded.
*/
test.group('CI canary', () => {
  test('a deliberately failing test', async ({ assert }) => {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const [row] = (await db.rawQuery('SELECT 1 AS one')).rows
    assert.equal(row.one, 2)
  })
})
