import { test } from '@japa/runner'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Edge } from 'edge.js'
import '#start/view_partial_cache'

test.group('Edge partials compiled once while templates are cached', (group) => {
  let dir: string
  group.each.setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chasqui-partials-'))
    await mkdir(join(dir, 'partials'))
    await writeFile(join(dir, 'partials/row.edge'), '<li>{{ item.name }}:{{ count }}</li>')
    await writeFile(join(dir, 'partials/plain.edge'), '<p>{{ title }}</p>')
    await writeFile(
      join(dir, 'page.edge'),
      "@include('partials/plain')\n@let(count = items.length)\n@each(item in items)\n@include('partials/row')\n@end\n"
    )
    return () => rm(dir, { recursive: true, force: true })
  })

  test('renders each request with its own data, locals included', async ({ assert }) => {
    const edge = new Edge({ cache: true })
    edge.mount(dir)
    const first = await edge.render('page', { title: 'Uno', items: [{ name: 'a' }] })
    const second = await edge.render('page', {
      title: 'Dos',
      items: [{ name: 'b' }, { name: 'c' }],
    })
    assert.include(first, '<p>Uno</p>')
    assert.include(first, '<li>a:1</li>')
    assert.include(second, '<p>Dos</p>')
    assert.include(second, '<li>b:2</li>')
    assert.include(second, '<li>c:2</li>')
    assert.notInclude(second, 'Uno')
  })

  test('a partial is compiled once per set of local names, and again without cache', async ({
    assert,
  }) => {
    const cached = new Edge({ cache: true })
    cached.mount(dir)
    const once = cached.asyncCompiler.compile('partials/row', ['item', 'count'])
    assert.strictEqual(cached.asyncCompiler.compile('partials/row', ['item', 'count']), once)
    assert.notStrictEqual(cached.asyncCompiler.compile('partials/row', ['item']), once)

    // Development: edits to a partial show on the next render.
    const live = new Edge({ cache: false })
    live.mount(dir)
    const before = await live.render('page', { title: 'x', items: [{ name: 'a' }] })
    await writeFile(join(dir, 'partials/row.edge'), '<li>edited {{ item.name }}</li>')
    const after = await live.render('page', { title: 'x', items: [{ name: 'a' }] })
    assert.include(before, '<li>a:1</li>')
    assert.include(after, '<li>edited a</li>')
  })
})
