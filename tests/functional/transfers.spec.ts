import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type User from '#models/user'
import Department from '#models/department'
import chatTransfers from '#services/chat_transfers'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'

let phone = 593992000000

async function chat(agent: User | null, name = `Cliente ${phone + 1}`) {
  const connection = await createConnection()
  phone += 1
  const result = await receive(connection, { waId: String(phone), name })
  if (agent) {
    await db
      .from('conversations')
      .where('id', result.conversationId)
      .update({ assigned_user_id: agent.id, state: 'pending' })
  }
  return result.conversationId
}

function requestTransfer(
  client: any,
  user: User,
  conversationId: number,
  form: Record<string, unknown>
) {
  return client
    .post(`/conversations/${conversationId}/transfers`)
    .loginAs(user)
    .withCsrfToken()
    .redirects(0)
    .header('referer', `/inbox/conversations/${conversationId}`)
    .form({ reason: 'Cliente pide hablar con cobranzas', ...form })
}

async function notificationsOf(userId: number) {
  return db.from('notifications').where('user_id', userId).orderBy('id')
}

async function conversationOf(id: number) {
  return db.from('conversations').where('id', id).first()
}

test.group('Transfers: requests and decisions', (group) => {
  group.each.setup(() => resetDatabase())

  test('an agent requests, approvers are notified, a supervisor approves and the chat moves', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent', { fullName: 'Ana Agente' })
    const target = await createUser('agent', { fullName: 'Bruno Destino' })
    const conversationId = await chat(agent, 'María Cliente')

    const response = await requestTransfer(client, agent, conversationId, {
      targetType: 'user',
      targetUserId: target.id,
    })
    response.assertStatus(302)
    response.assertHeader('location', `/inbox/conversations/${conversationId}`)
    const [transfer] = await db.from('transfer_requests')
    assert.equal(transfer.state, 'pending')
    assert.equal(transfer.requested_by, agent.id)
    assert.equal(transfer.from_user_id, agent.id)
    assert.equal(transfer.target_user_id, target.id)

    for (const approver of [admin, supervisor]) {
      const [note] = await notificationsOf(approver.id)
      assert.equal(note.kind, 'transfers.notifications.requested')
      assert.equal(note.url, `/transfers/${transfer.id}`)
      const page = await client.get('/notifications').loginAs(approver)
      page.assertTextIncludes(
        'Ana Agente pide transferir el chat con María Cliente a Bruno Destino'
      )
    }
    assert.lengthOf(await notificationsOf(agent.id), 0)

    // The notification's page offers the decision.
    const detail = await client.get(`/transfers/${transfer.id}`).loginAs(supervisor)
    detail.assertStatus(200)
    detail.assertTextIncludes('data-action="approve-transfer"')

    const approve = await client
      .post(`/transfers/${transfer.id}/approval`)
      .loginAs(supervisor)
      .withCsrfToken()
      .redirects(0)
      .header('referer', `/transfers/${transfer.id}`)
    approve.assertStatus(302)
    const decided = await db.from('transfer_requests').where('id', transfer.id).first()
    assert.equal(decided.state, 'approved')
    assert.equal(decided.decided_by, supervisor.id)
    assert.isNotNull(decided.decided_at)
    assert.equal((await conversationOf(conversationId)).assigned_user_id, target.id)

    const [assignment] = await auditEntries('conversation.assign')
    assert.equal(assignment.actor_id, supervisor.id)
    assert.equal(assignment.after.reason, `transfer:${transfer.id}`)
    assert.lengthOf(await auditEntries('transfer.requested'), 1)
    assert.lengthOf(await auditEntries('transfer.approved'), 1)

    const [told] = await notificationsOf(agent.id)
    assert.equal(told.kind, 'transfers.notifications.approved')
    const [given] = await notificationsOf(target.id)
    assert.equal(given.kind, 'team_notifications.assigned')
    assert.equal(given.url, `/inbox/conversations/${conversationId}`)

    // The former agent lost the chat, the new one has it.
    ;(await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)).assertStatus(403)
    ;(await client.get(`/inbox/conversations/${conversationId}`).loginAs(target)).assertStatus(200)
  })

  test('a second pending request for the same chat is refused with a clear message', async ({
    client,
    assert,
  }) => {
    await createUser('supervisor')
    const agent = await createUser('agent')
    const target = await createUser('agent')
    const conversationId = await chat(agent)
    const department = await Department.create({ name: 'Cobranzas', isActive: true })

    ;(
      await requestTransfer(client, agent, conversationId, {
        targetType: 'user',
        targetUserId: target.id,
      })
    ).assertStatus(302)
    const second = await requestTransfer(client, agent, conversationId, {
      targetType: 'department',
      targetDepartmentId: department.id,
    })
    second.assertStatus(302)
    second.assertFlashMessage(
      'error',
      'Este chat ya tiene una solicitud de transferencia pendiente. Espera a que se apruebe o deniegue.'
    )
    assert.lengthOf(await db.from('transfer_requests'), 1)

    // The partial unique index holds even if the service's check is skipped.
    const [first] = await db.from('transfer_requests')
    await assert.rejects(() =>
      db.table('transfer_requests').insert({
        conversation_id: conversationId,
        kind: 'request',
        state: 'pending',
        requested_by: agent.id,
        reason: 'race',
        target_user_id: first.target_user_id,
      })
    )
  })

  test('an agent cannot request on a chat that is not theirs, nor approve', async ({
    client,
    assert,
  }) => {
    await createUser('supervisor')
    const agent = await createUser('agent')
    const owner = await createUser('agent')
    const target = await createUser('agent')
    const foreign = await chat(owner)
    const unassigned = await chat(null)

    for (const conversationId of [foreign, unassigned]) {
      const response = await requestTransfer(client, agent, conversationId, {
        targetType: 'user',
        targetUserId: target.id,
      })
      response.assertStatus(403)
    }
    assert.lengthOf(await db.from('transfer_requests'), 0)

    const own = await chat(agent)
    const { id } = await chatTransfers.request({
      conversationId: own,
      target: { type: 'user', id: target.id },
      reason: 'necesito ayuda',
      actor: agent,
    })
    for (const url of [`/transfers/${id}/approval`, `/transfers/${id}/denial`]) {
      ;(await client.post(url).loginAs(agent).withCsrfToken().redirects(0)).assertStatus(403)
    }
    ;(
      await client
        .post(`/conversations/${own}/direct-transfers`)
        .loginAs(agent)
        .withCsrfToken()
        .form({ targetType: 'user', targetUserId: target.id, reason: 'directo' })
    ).assertStatus(403)
    assert.equal((await db.from('transfer_requests').where('id', id).first()).state, 'pending')
    assert.equal((await conversationOf(own)).assigned_user_id, agent.id)
  })

  test('two requests at the same moment: exactly one lands, the other is refused', async ({
    assert,
  }) => {
    const agent = await createUser('agent')
    const first = await createUser('agent')
    const second = await createUser('agent')
    const conversationId = await chat(agent)
    const outcomes = await Promise.allSettled(
      [first, second].map((target) =>
        chatTransfers.request({
          conversationId,
          target: { type: 'user', id: target.id },
          reason: 'a la vez',
          actor: agent,
        })
      )
    )
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1)
    const refused = outcomes.find((outcome) => outcome.status === 'rejected')
    assert.equal(
      (refused as PromiseRejectedResult).reason.translationKey,
      'transfers.errors.duplicate'
    )
    assert.lengthOf(await db.from('transfer_requests'), 1)
  })

  test('a resolved chat cannot be transferred', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const target = await createUser('agent')
    const conversationId = await chat(agent)
    await db.from('conversations').where('id', conversationId).update({ state: 'resolved' })
    const response = await requestTransfer(client, agent, conversationId, {
      targetType: 'user',
      targetUserId: target.id,
    })
    response.assertFlashMessage('error', 'El chat está resuelto: no se puede transferir.')
    assert.lengthOf(await db.from('transfer_requests'), 0)
  })

  test('a supervisor denies: nothing moves and the agent is told', async ({ client, assert }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const target = await createUser('agent')
    const conversationId = await chat(agent)
    const { id } = await chatTransfers.request({
      conversationId,
      target: { type: 'user', id: target.id },
      reason: 'no hablo quichua',
      actor: agent,
    })
    const response = await client
      .post(`/transfers/${id}/denial`)
      .loginAs(supervisor)
      .withCsrfToken()
      .redirects(0)
      .header('referer', '/transfers?state=pending')
      .form({ note: 'Atiéndelo tú' })
    response.assertStatus(302)
    response.assertHeader('location', '/transfers')
    const row = await db.from('transfer_requests').where('id', id).first()
    assert.equal(row.state, 'denied')
    assert.equal(row.decision_note, 'Atiéndelo tú')
    assert.equal((await conversationOf(conversationId)).assigned_user_id, agent.id)
    const [told] = await notificationsOf(agent.id)
    assert.equal(told.kind, 'transfers.notifications.denied')
    assert.lengthOf(await notificationsOf(target.id), 0)

    // Deciding twice is refused and changes nothing.
    const again = await client
      .post(`/transfers/${id}/approval`)
      .loginAs(supervisor)
      .withCsrfToken()
      .redirects(0)
      .header('referer', '/transfers')
    again.assertFlashMessage('error', 'Esta solicitud ya fue decidida.')
    assert.equal((await conversationOf(conversationId)).assigned_user_id, agent.id)
  })

  test('approving a department transfer puts the chat in that department, unassigned', async ({
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const department = await Department.create({ name: 'Ventas', isActive: true })
    const conversationId = await chat(agent)
    const { id } = await chatTransfers.request({
      conversationId,
      target: { type: 'department', id: department.id },
      reason: 'quiere comprar',
      actor: agent,
    })
    await chatTransfers.approve({ transferId: id, actor: supervisor })
    const conversation = await conversationOf(conversationId)
    assert.equal(conversation.department_id, department.id)
    assert.isNull(conversation.assigned_user_id)
    assert.equal(conversation.state, 'new')
  })

  test('an approver transfers directly, cancelling a pending request', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    const first = await createUser('agent')
    const second = await createUser('agent')
    const conversationId = await chat(agent)
    const { id } = await chatTransfers.request({
      conversationId,
      target: { type: 'user', id: first.id },
      reason: 'pido ayuda',
      actor: agent,
    })
    const response = await client
      .post(`/conversations/${conversationId}/direct-transfers`)
      .loginAs(supervisor)
      .withCsrfToken()
      .redirects(0)
      .form({ targetType: 'user', targetUserId: second.id, reason: 'Bruno conoce el caso' })
    response.assertStatus(302)
    assert.equal((await conversationOf(conversationId)).assigned_user_id, second.id)
    assert.equal((await db.from('transfer_requests').where('id', id).first()).state, 'cancelled')
    const direct = await db.from('transfer_requests').where('kind', 'direct').first()
    assert.equal(direct.state, 'approved')
    assert.equal(direct.decided_by, supervisor.id)
    const kinds = (await notificationsOf(agent.id)).map((row) => row.kind)
    assert.include(kinds, 'transfers.notifications.cancelled')
  })

  test('invalid targets are refused with translated messages', async ({ client, assert }) => {
    const agent = await createUser('agent')
    const inactive = await createUser('agent', { isActive: false })
    const conversationId = await chat(agent)
    const self = await requestTransfer(client, agent, conversationId, {
      targetType: 'user',
      targetUserId: agent.id,
    })
    self.assertStatus(302)
    self.assertFlashMessage('error', 'El chat ya está asignado a ese agente.')
    const gone = await requestTransfer(client, agent, conversationId, {
      targetType: 'user',
      targetUserId: inactive.id,
    })
    gone.assertStatus(302)
    gone.assertFlashMessage('error', 'El destino elegido no existe o está inactivo.')
    const noReason = await requestTransfer(client, agent, conversationId, {
      targetType: 'user',
      targetUserId: inactive.id,
      reason: '',
    })
    noReason.assertStatus(302)
    assert.lengthOf(await db.from('transfer_requests'), 0)
  })
})

test.group('Transfers: history, export and routes per role', (group) => {
  group.each.setup(() => resetDatabase())

  async function history() {
    const supervisor = await createUser('supervisor', { fullName: 'Sara Supervisora' })
    const agent = await createUser('agent', { fullName: 'Ana Agente' })
    const other = await createUser('agent', { fullName: 'Otto Otro' })
    const target = await createUser('agent', { fullName: 'Bruno Destino' })
    const mine = await chat(agent, 'Cliente Uno')
    const theirs = await chat(other, 'Cliente Dos')
    const a = await chatTransfers.request({
      conversationId: mine,
      target: { type: 'user', id: target.id },
      reason: 'motivo uno',
      actor: agent,
    })
    await chatTransfers.approve({ transferId: a.id, actor: supervisor })
    await chatTransfers.request({
      conversationId: theirs,
      target: { type: 'user', id: target.id },
      reason: '=HYPERLINK("x")',
      actor: other,
    })
    return { supervisor, agent, other, target }
  }

  test('admins and supervisors see and filter the history; agents and guests cannot', async ({
    client,
    assert,
  }) => {
    const admin = await createUser('admin')
    const { supervisor, agent, other } = await history()
    for (const user of [admin, supervisor]) {
      const page = await client.get('/transfers').loginAs(user)
      page.assertStatus(200)
      assert.include(page.text(), 'Cliente Uno')
      assert.include(page.text(), 'Cliente Dos')
      assert.include(page.text(), 'Sara Supervisora')
    }
    const pending = await client.get('/transfers?state=pending').loginAs(supervisor)
    assert.notInclude(pending.text(), 'Cliente Uno')
    assert.include(pending.text(), 'Cliente Dos')
    assert.include(pending.text(), 'data-action="approve-transfer"')

    const byAgent = await client.get(`/transfers?agent=${other.id}`).loginAs(supervisor)
    assert.notInclude(byAgent.text(), 'Cliente Uno')
    assert.include(byAgent.text(), 'Cliente Dos')

    const [firstTransfer] = await db.from('transfer_requests').orderBy('id')
    const ofChat = await client
      .get(`/transfers?conversation=${firstTransfer.conversation_id}`)
      .loginAs(supervisor)
    assert.include(ofChat.text(), 'Cliente Uno')
    assert.notInclude(ofChat.text(), 'Cliente Dos')

    const future = await client.get('/transfers?from=2999-01-01').loginAs(supervisor)
    assert.notInclude(future.text(), 'Cliente Uno')
    const badRange = await client.get('/transfers?from=2026-02-01&to=2026-01-01').loginAs(admin)
    badRange.assertStatus(200)
    assert.include(badRange.text(), 'alert--error')

    ;(await client.get('/transfers').loginAs(agent)).assertStatus(403)
    ;(await client.get('/transfers/export.csv').loginAs(agent)).assertStatus(403)
    for (const url of ['/transfers', '/transfers/export.csv', '/transfers/1']) {
      const guest = await client.get(url).redirects(0)
      guest.assertStatus(302)
      guest.assertHeader('location', '/login')
    }
    for (const url of [
      '/transfers/1/approval',
      '/transfers/1/denial',
      '/conversations/1/transfers',
      '/conversations/1/direct-transfers',
    ]) {
      const guest = await client.post(url).withCsrfToken().redirects(0)
      guest.assertStatus(302)
      guest.assertHeader('location', '/login')
    }
    ;(await client.get('/conversations/1/transfer-panel').redirects(0)).assertStatus(302)
  })

  test('an agent opens only the transfers they took part in', async ({ client }) => {
    const { agent, other } = await history()
    const [mine, theirs] = await db.from('transfer_requests').orderBy('id')
    ;(await client.get(`/transfers/${mine.id}`).loginAs(agent)).assertStatus(200)
    ;(await client.get(`/transfers/${theirs.id}`).loginAs(agent)).assertStatus(404)
    ;(await client.get(`/transfers/${theirs.id}`).loginAs(other)).assertStatus(200)
  })

  test('the CSV export streams the filtered history, with formulas neutralized', async ({
    client,
    assert,
  }) => {
    const { supervisor } = await history()
    const response = await client.get('/transfers/export.csv').loginAs(supervisor)
    response.assertStatus(200)
    response.assertHeader('content-type', 'text/csv; charset=utf-8')
    const lines = response
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(lines, 3)
    assert.include(lines[0], 'Solicitante')
    assert.include(lines[1], 'Cliente Dos')
    assert.include(lines[1], `"'=HYPERLINK(""x"")"`)
    assert.include(lines[2], 'Aprobada')
    assert.include(lines[2], 'Sara Supervisora')

    const filtered = await client.get('/transfers/export.csv?state=approved').loginAs(supervisor)
    const rows = filtered.text().trim().split('\r\n')
    assert.lengthOf(rows, 2)
    assert.include(rows[1], 'Cliente Uno')
  })

  test('the conversation pane offers the right transfer form per role', async ({
    client,
    assert,
  }) => {
    const supervisor = await createUser('supervisor')
    const agent = await createUser('agent')
    await createUser('agent')
    const conversationId = await chat(agent)
    const asAgent = await client
      .get(`/conversations/${conversationId}/transfer-panel`)
      .loginAs(agent)
      .header('hx-request', 'true')
    asAgent.assertStatus(200)
    assert.include(asAgent.text(), 'data-action="request-transfer"')
    const asSupervisor = await client
      .get(`/conversations/${conversationId}/transfer-panel`)
      .loginAs(supervisor)
    assert.include(asSupervisor.text(), 'data-action="direct-transfer"')
    const stranger = await createUser('agent')
    ;(
      await client.get(`/conversations/${conversationId}/transfer-panel`).loginAs(stranger)
    ).assertStatus(403)
    const page = await client.get(`/inbox/conversations/${conversationId}`).loginAs(agent)
    assert.include(page.text(), `/conversations/${conversationId}/transfer-panel`)
  })
})
