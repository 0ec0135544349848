import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import auditTrail from '#services/audit_trail'
import { auditChanges } from '#services/audit_search'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'

async function backdate(action: string, at: string) {
  await db.from('audit_logs').where('action', action).update({ created_at: at })
}

test.group('Audit trail: access', (group) => {
  group.each.setup(() => resetDatabase())

  test('admins see the trail; supervisors and agents are refused by default', async ({
    client,
  }) => {
    const expected = { admin: 200, supervisor: 403, agent: 403 }
    for (const [role, status] of Object.entries(expected)) {
      const user = await createUser(role)
      const response = await client.get('/audit').loginAs(user)
      response.assertStatus(status)
      if (status === 403)
        response.assertTextIncludes('No tienes permiso para realizar esta acción.')
    }
  })

  test('without a session the page goes to /login; the nav entry is for admins', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const agent = await createUser('agent')
    const response = await client.get('/audit').redirects(0)
    response.assertHeader('location', '/login')
    assert.include((await client.get('/').loginAs(admin)).text(), 'href="/audit"')
    assert.notInclude((await client.get('/').loginAs(agent)).text(), 'href="/audit"')
  })
})

test.group('Audit trail: list and filters', (group) => {
  group.each.setup(() => resetDatabase())

  test('shows who, what, on whom, when, and marks what changed', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Torres' })
    const agent = await createUser('agent', { fullName: 'Luis Paz' })
    await auditTrail.record({
      actorId: admin.id,
      action: 'user.role_changed',
      subjectType: 'user',
      subjectId: agent.id,
      before: { role: 'agent', fullName: 'Luis Paz', password: 'x' },
      after: { role: 'supervisor', fullName: 'Luis Paz', password: 'y' },
    })
    const html = (await client.get('/audit').loginAs(admin)).text()
    assert.include(html, '<td>Ana Torres</td>')
    assert.include(html, '<td>Cambió el rol de un usuario</td>')
    assert.include(html, `Usuario #${agent.id}`)
    assert.include(html, '(Luis Paz)')
    assert.match(
      html,
      /<tr class="audit-diff__changed">\s*<th scope="row">\s*role\s*<span class="visually-hidden">\(cambió\)<\/span>/
    )
    assert.include(html, '<td><del>agent</del></td>')
    assert.include(html, '<td><ins>supervisor</ins></td>')
    assert.match(html, /<tr class="audit-diff__same">\s*<th scope="row">\s*fullName/)
    // Secrets never reach the trail, so they cannot reach the page.
    assert.include(html, '[redacted]')
    assert.notInclude(html, '<ins>y</ins>')
  })

  test('known actions are translated; an entry without actor shows the system', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin', { locale: 'en' })
    await auditTrail.record({
      actorId: admin.id,
      action: 'user.password_changed',
      subjectType: 'user',
      subjectId: admin.id,
    })
    await auditTrail.record({
      actorId: null,
      action: 'plugin.enabled',
      subjectType: 'plugin',
      subjectId: 'demo',
    })
    await auditTrail.record({
      actorId: admin.id,
      action: 'dialer.campaign_paused',
      subjectType: 'campaign',
      subjectId: 9,
    })
    const html = (await client.get('/audit').loginAs(admin)).text()
    assert.include(html, 'Changed their password')
    assert.include(html, '<td>System</td>')
    assert.include(html, 'Plugin #demo')
    assert.include(html, '<td>Enabled a plugin</td>')
    // An action nobody translated yet shows its key, never a "missing translation" text.
    assert.include(html, '<td>dialer.campaign_paused</td>')
    assert.include(html, 'campaign #9')
  })

  test('filters by actor, action and date range', async ({ client, assert }) => {
    const admin = await createUser('admin', { fullName: 'Ana Torres' })
    const other = await createUser('admin', { fullName: 'Beto Ruiz' })
    await auditTrail.record({
      actorId: admin.id,
      action: 'user.created',
      subjectType: 'user',
      subjectId: 1,
      after: { marker: 'Alpha' },
    })
    await auditTrail.record({
      actorId: other.id,
      action: 'user.inactivated',
      subjectType: 'user',
      subjectId: 2,
      after: { marker: 'Bravo' },
    })
    await auditTrail.record({
      actorId: other.id,
      action: 'role.updated',
      subjectType: 'role',
      subjectId: 3,
      after: { marker: 'Charlie' },
    })
    await backdate('user.created', '2026-01-05T15:00:00Z')
    await backdate('user.inactivated', '2026-02-05T15:00:00Z')
    await backdate('role.updated', '2026-03-05T15:00:00Z')

    const cases: [string, string[], string[]][] = [
      [`actor=${other.id}`, ['Bravo', 'Charlie'], ['Alpha']],
      ['action=user.created', ['Alpha'], ['Bravo', 'Charlie']],
      ['from=2026-02-01&to=2026-02-28', ['Bravo'], ['Alpha', 'Charlie']],
      [`actor=${other.id}&action=role.updated&from=2026-03-05`, ['Charlie'], ['Alpha', 'Bravo']],
      ['actor=&action=', ['Alpha', 'Bravo', 'Charlie'], []],
    ]
    for (const [query, present, absent] of cases) {
      const html = (await client.get(`/audit?${query}`).loginAs(admin)).text()
      for (const word of present)
        assert.include(html, `<ins>${word}</ins>`, `${query} should show ${word}`)
      for (const word of absent)
        assert.notInclude(html, `<ins>${word}</ins>`, `${query} should hide ${word}`)
    }
  })

  test('bad filter input shows translated messages and no rows', async ({ client, assert }) => {
    const admin = await createUser('admin')
    await auditTrail.record({
      actorId: admin.id,
      action: 'user.created',
      subjectType: 'user',
      after: { marker: 'Hidden' },
    })
    const cases: [string, string][] = [
      ['actor=abc', 'El campo quién debe ser un número.'],
      ['actor=1.5', 'El campo quién debe ser un número entero.'],
      ['from=31/12/2026', 'El campo desde debe ser una fecha válida (AAAA-MM-DD).'],
      ['from=2026-05-02&to=2026-05-01', 'La fecha hasta no puede ser anterior a la fecha desde.'],
    ]
    for (const [query, message] of cases) {
      const response = await client.get(`/audit?${query}`).loginAs(admin)
      response.assertStatus(200)
      assert.include(response.text(), message, query)
      assert.notInclude(response.text(), '<ins>Hidden</ins>', query)
    }
  })

  test('pages by id, newest first', async ({ client, assert }) => {
    const admin = await createUser('admin')
    for (let i = 1; i <= 53; i++) {
      await auditTrail.record({
        actorId: admin.id,
        action: 'user.updated',
        subjectType: 'user',
        after: { n: `entry-${i}.` },
      })
    }
    const first = (await client.get('/audit').loginAs(admin)).text()
    assert.include(first, 'entry-53.')
    assert.include(first, 'entry-4.')
    assert.notInclude(first, 'entry-3.')
    const older = /href="\/audit\?(before=\d+)"/.exec(first)
    assert.exists(older)
    const second = (await client.get(`/audit?${older![1]}`).loginAs(admin)).text()
    assert.include(second, 'entry-3.')
    assert.notInclude(second, 'entry-4.')
  })
})

test.group('Audit trail: changes', () => {
  test('before/after become one row per key, changed ones marked', ({ assert }) => {
    assert.deepEqual(auditChanges({ a: 1, b: 'x', c: { d: 1 } }, { a: 2, b: 'x', e: null }), [
      { key: 'a', before: '1', after: '2', changed: true },
      { key: 'b', before: 'x', after: 'x', changed: false },
      { key: 'c', before: '{"d":1}', after: '—', changed: true },
      { key: 'e', before: '—', after: '—', changed: false },
    ])
    assert.deepEqual(auditChanges(null, { name: 'Nuevo' }), [
      { key: 'name', before: '—', after: 'Nuevo', changed: true },
    ])
    assert.deepEqual(auditChanges(null, null), [])
  })
})
