import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { preparedQuery } from '#services/prepared_query'

test.group('Prepared queries', () => {
  test('named bindings give the same rows as knex: repeated names, arrays, nulls', async ({
    assert,
  }) => {
    const sql = `SELECT CAST(:a AS integer) + CAST(:a AS integer) AS twice, CAST(:b AS text) AS b,
                        cardinality(CAST(:list AS integer[])) AS n, CAST(:none AS text) IS NULL AS empty`
    const bindings = { a: 21, b: 'hola :a', list: [1, 2, 3], none: null }
    for (let run = 0; run < 2; run++) {
      const { rows } = await preparedQuery(db, sql, bindings)
      assert.deepEqual(rows, [{ twice: 42, b: 'hola :a', n: 3, empty: true }])
    }
    assert.deepEqual((await db.rawQuery(sql, bindings)).rows, [
      { twice: 42, b: 'hola :a', n: 3, empty: true },
    ])
  })

  test('texts the rewrite does not cover are left to knex: casts with ::, time literals', async ({
    assert,
  }) => {
    const { rows } = await preparedQuery(
      db,
      `SELECT :n::integer + 1 AS next, '10:30'::time AS at, CAST(:n AS integer) AS n`,
      { n: 4 }
    )
    assert.deepEqual(rows, [{ next: 5, at: '10:30:00', n: 4 }])
    const literal = await preparedQuery(db, `SELECT '08:00' AS opens, CAST(:n AS integer) AS n`, {
      n: 7,
    })
    assert.deepEqual(literal.rows, [{ opens: '08:00', n: 7 }])
  })
})
