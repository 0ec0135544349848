/*
| Permission audit of every registered route (core, Transmit and plugins),
| derived from the committed router so a route added tomorrow is audited
| without touching this file — unless it is public or open to every
| logged-in user, which must be said (and justified) in the lists below.
*/
import { test } from '@japa/runner'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import type { ApiClient } from '@japa/api-client'
import Connection from '#models/connection'
import QuickReply from '#models/quick_reply'
import Role from '#models/role'
import Tag from '#models/tag'
import type User from '#models/user'
import pluginHost from '#plugin_host/plugin_host'
import chatTransfers from '#services/chat_transfers'
import mediaStore from '#services/media_store'
import notifier from '#services/notifier'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { createConnection, receive } from '#tests/helpers/conversation_fixtures'
import { createCustomRole } from '#tests/helpers/roles'
import {
  type AuditedRoute,
  hasMiddleware,
  permissionLists,
  permitsHolder,
  registeredRoutes,
  urlFor,
} from '#tests/helpers/route_audit'

/**
 * Routes a visitor without a session may use (2xx allowed, no `auth`).
 * Keyed `METHOD pattern`; every entry says why it must be public.
 */
const PUBLIC_ROUTES: Record<string, string> = {
  'GET /health': 'liveness probe for load balancers and the service manager; answers no data',
  'GET /vendor/:file':
    'front-end libraries and the app CSS/JS from a fixed allowlist; the login page needs them',
  'GET /setup': 'first-run wizard: no user exists yet to log in (after setup it only redirects)',
  'POST /setup': 'first-run wizard: installSetup.complete() refuses once an organization exists',
  'GET /login': 'the login form (guest middleware)',
  'POST /login': 'the login itself (guest middleware, rate limited)',
}

/**
 * Provider callbacks (docs/PLUGINS.md: `ctx.webhooks()` mounts them under
 * /webhooks without `auth`): they must verify every request themselves, so
 * an unsigned request from a guest must still never get a 2xx.
 */
const isWebhook = (route: AuditedRoute) => route.pattern.startsWith('/webhooks/')

/**
 * Logged-in routes with no `can()`: open to every active user, each limited
 * to the user's own data inside the handler. A route missing here and
 * missing a `can()` fails the audit, so a forgotten permission cannot slip in.
 */
const EVERY_USER_ROUTES: Record<string, string> = {
  'POST /logout': 'ends one’s own session',
  'GET /': 'home: redirects to the first page the user may see',
  'GET /account/password': 'one’s own password form',
  'PUT /account/password': 'changes one’s own password (asks the current one)',
  'PUT /account/locale': 'one’s own language',
  'GET /notifications': 'one’s own notifications (query scoped by user_id)',
  'GET /notifications/bell': 'one’s own unread count',
  'POST /notifications/read': 'marks one’s own notifications read',
  'GET /notifications/:id': 'one’s own notification; another user’s answers 404',
  'POST /notifications/:id/read': 'one’s own notification; another user’s answers 404',
  'GET /media/messages/:id':
    'a message’s file, asked to ConversationAccess (404 unless the chat is visible)',
  'GET /__transmit/events': 'Transmit SSE stream; channels authorized in start/transmit.ts',
  'POST /__transmit/subscribe': 'Transmit; every channel has a rule in start/transmit.ts',
  'POST /__transmit/unsubscribe': 'Transmit; leaving a channel reveals nothing',
}

/** Areas where an agent's data lives: another agent's rows must never answer there. */
const SCOPED_AREAS = [
  '/inbox',
  '/conversations',
  '/messages',
  '/media',
  '/transfers',
  '/dashboard',
  '/notifications',
  '/presence',
]

const NONEXISTENT_ID = '987654321'
const OTHER_CONTACT = 'Zacarías Ajeno Quispe'
const OTHER_SECRET = 'secreto-de-bruno-7731'

/** A plausible form, so validation never answers before authorization would. */
const FORM = {
  body: 'Prueba de permisos',
  reason: 'Prueba de permisos',
  note: 'Prueba de permisos',
  name: 'Prueba de permisos',
  fullName: 'Prueba de permisos',
  email: 'intruso@example.com',
  password: 'otra-clave-segura-123',
  text: 'Hola',
  shortcut: 'prueba',
  title: 'Prueba',
  color: '#1f8a70',
  state: 'available',
}

const key = (route: AuditedRoute) => `${route.method} ${route.pattern}`

interface World {
  me: User
  other: User
  conversation: number
  message: number
  transfer: number
  notification: number
  role: number
  tag: number
  quickReply: number
  connection: number
  pluginConnections: Map<string, number>
  /** The agent's own chat and its message. */
  mine: { conversation: number; message: number }
}

/**
 * Every plugin enabled (their routes answer) and real rows behind every id,
 * each belonging to *another* agent, so a 404 for a missing row can never
 * stand in for a missing permission check.
 */
async function buildWorld(): Promise<World> {
  await createUser('admin')
  const supervisor = await createUser('supervisor')
  const me = await createUser('agent', { fullName: 'Ana Propia' })
  const other = await createUser('agent', { fullName: 'Bruno Ajeno' })
  const third = await createUser('agent', { fullName: 'Carla Tercera' })
  for (const plugin of pluginHost.plugins) await pluginHost.enable(plugin.key, null)

  const connection = await createConnection()
  const mine = await receive(connection, { waId: '593991110001', name: 'Cliente de Ana' })
  const theirs = await receive(connection, {
    waId: '593991110002',
    name: OTHER_CONTACT,
    body: OTHER_SECRET,
  })
  const stored = await mediaStore.put(app.makePath('tests/fixtures/media/tiny.png'), {
    mime: 'image/png',
    ext: 'png',
    filename: 'tiny.png',
  })
  await db.from('messages').where('id', theirs.messageId!).update({
    kind: 'image',
    media_path: stored.path,
    media_mime: stored.mime,
    media_size: stored.size,
    media_filename: stored.filename,
    media_sha256: stored.sha256,
  })
  await db
    .from('conversations')
    .where('id', mine.conversationId)
    .update({ assigned_user_id: me.id, state: 'pending' })
  await db
    .from('conversations')
    .where('id', theirs.conversationId)
    .update({ assigned_user_id: other.id, state: 'pending' })

  const transfer = await chatTransfers.request({
    actor: { id: other.id, fullName: other.fullName },
    conversationId: theirs.conversationId,
    target: { type: 'user', id: third.id },
    reason: OTHER_SECRET,
  })
  const [notification] = await notifier.notify([other.id], 'system_event_critical', {
    source: 'core',
    category: 'connection.lost',
    message: OTHER_SECRET,
  })
  const tag = await Tag.create({
    name: 'Auditoría',
    color: '#1f8a70',
    description: null,
    isActive: true,
  })
  const quickReply = await QuickReply.create({
    shortcut: 'auditoria',
    title: 'Auditoría',
    body: 'Hola',
    isActive: true,
  })
  // System roles are not editable: a custom one, holding nothing (the role audit logs in with it).
  const role = await createCustomRole('sin_permisos', [])

  const pluginConnections = new Map<string, number>()
  for (const plugin of pluginHost.plugins.filter((p) => p.manifest.kind === 'channel')) {
    // A bare row: no session or credentials, so no plugin starts talking to a real network.
    const row = await Connection.create({
      pluginKey: plugin.key,
      name: `Línea ${plugin.key}`,
      status: 'disconnected',
      settings: {},
      knownClientsOnly: false,
      isActive: true,
    })
    pluginConnections.set(plugin.key, row.id)
  }

  void supervisor
  return {
    me,
    other,
    mine: { conversation: mine.conversationId, message: mine.messageId! },
    conversation: theirs.conversationId,
    message: theirs.messageId!,
    transfer: Number(transfer.id),
    notification: Number(notification),
    role: role.id,
    tag: tag.id,
    quickReply: quickReply.id,
    connection: connection.id,
    pluginConnections,
  }
}

/** Which plugin mounted the route (route names are prefixed with the plugin key). */
function pluginOf(route: AuditedRoute) {
  return pluginHost.plugins.find((plugin) => route.name.startsWith(`${plugin.key}.`))
}

/**
 * A value for each param: the other agent's row where the route is about
 * conversations, messages, transfers or notifications; a real row of the
 * right kind elsewhere; an id that does not exist as the last resort.
 */
function paramValue(world: World, route: AuditedRoute) {
  return (param: string): string => {
    const pattern = route.pattern
    const plugin = pluginOf(route)
    if (param === 'key') return pluginHost.plugins[0].key
    if (param === 'file') return 'htmx.min.js'
    // Core rows named by the param (plugin message ids are the plugin's own rows: none here).
    const byName: Record<string, number> = {
      conversationId: world.conversation,
      messageId: world.message,
      transferId: world.transfer,
      notificationId: world.notification,
      userId: world.other.id,
      roleId: world.role,
      tagId: world.tag,
      quickReplyId: world.quickReply,
      connectionId: world.connection,
    }
    if (param in byName && !(plugin && param === 'messageId')) return String(byName[param])
    if (param !== 'id') return NONEXISTENT_ID
    if (plugin && world.pluginConnections.has(plugin.key)) {
      return String(world.pluginConnections.get(plugin.key))
    }
    const rules: [RegExp, number][] = [
      [/conversations\/:id/, world.conversation],
      [/messages\/:id/, world.message],
      [/^\/transfers\/:id/, world.transfer],
      [/^\/notifications\/:id/, world.notification],
      [/^\/users\/:id/, world.other.id],
      [/^\/roles\/:id/, world.role],
      [/^\/tags\/:id/, world.tag],
      [/^\/quick-replies\/:id/, world.quickReply],
      [/connections\/:id/, world.connection],
    ]
    const rule = rules.find(([regex]) => regex.test(pattern))
    return rule ? String(rule[1]) : NONEXISTENT_ID
  }
}

/** Whether the route's id points at the other agent's conversation, message, transfer or notification. */
function targetsOthersRow(route: AuditedRoute) {
  if (pluginOf(route)) return false
  return /(conversations|messages|transfers|notifications)\/:id\b|:(conversation|message|transfer|notification)Id\b/.test(
    route.pattern
  )
}

/** Whether the route acts on one chat (its conversation or one of its messages). */
function targetsChat(route: AuditedRoute) {
  return (
    !pluginOf(route) &&
    /(conversations|messages)\/:id\b|:(conversation|message)Id\b/.test(route.pattern)
  )
}

function send(client: ApiClient, route: AuditedRoute, url: string, user?: User, htmx = false) {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'
  let request = client[method](url).redirects(0)
  if (user) request = request.loginAs(user)
  // Fragments answer htmx only (a plain request is redirected to the page): ask both ways.
  if (htmx) request = request.header('hx-request', 'true')
  if (route.method !== 'GET') request = request.withCsrfToken().form(FORM)
  return request
}

async function snapshotOf(conversationId: number) {
  const conversation = await db
    .from('conversations')
    .where('id', conversationId)
    .select('assigned_user_id', 'state')
    .first()
  const [messages] = await db
    .from('messages')
    .where('conversation_id', conversationId)
    .count('* as total')
  const [transfers] = await db
    .from('transfer_requests')
    .where('conversation_id', conversationId)
    .count('* as total')
  return { ...conversation, messages: Number(messages.total), transfers: Number(transfers.total) }
}

test.group('Route permissions: what the router declares', () => {
  test('every route outside the public list runs the auth middleware', ({ assert }) => {
    const unguarded = registeredRoutes()
      .filter((route) => !PUBLIC_ROUTES[key(route)] && !isWebhook(route))
      .filter((route) => !hasMiddleware(route, 'auth'))
      .map((route) => route.label)
    assert.deepEqual(unguarded, [], `routes without middleware.auth(): ${unguarded.join(', ')}`)
  })

  test('every logged-in route without can() is a declared every-user route', ({ assert }) => {
    const open = registeredRoutes()
      .filter((route) => hasMiddleware(route, 'auth') && !permissionLists(route).length)
      .filter((route) => !EVERY_USER_ROUTES[key(route)])
      .map((route) => route.label)
    assert.deepEqual(open, [], `routes with auth but no can(): ${open.join(', ')}`)
  })

  test('the public and every-user lists name registered routes only', ({ assert }) => {
    const registered = new Set(registeredRoutes().map(key))
    const stale = [...Object.keys(PUBLIC_ROUTES), ...Object.keys(EVERY_USER_ROUTES)].filter(
      (entry) => !registered.has(entry)
    )
    assert.deepEqual(stale, [])
  })

  test('plugin routes are mounted (the audit sees them)', ({ assert }) => {
    const routes = registeredRoutes()
    for (const plugin of pluginHost.plugins.filter((p) => p.routes.length)) {
      assert.isTrue(
        routes.some((route) => pluginOf(route)?.key === plugin.key),
        `no route of ${plugin.key}`
      )
    }
  })
})

test.group('Route permissions: real requests', (group) => {
  let mediaRoot: string
  group.each.setup(async () => {
    await resetDatabase()
    mediaRoot = await mkdtemp(join(tmpdir(), 'chasqui-route-audit-'))
    mediaStore.useRoot(mediaRoot)
    return async () => {
      await resetDatabase()
      mediaStore.useRoot(null)
      await rm(mediaRoot, { recursive: true, force: true })
    }
  })

  test('a guest gets the login page or a denial on every non-public route', async ({
    client,
    assert,
  }) => {
    const world = await buildWorld()
    const failures: string[] = []
    for (const route of registeredRoutes()) {
      if (PUBLIC_ROUTES[key(route)]) continue
      const url = urlFor(route, paramValue(world, route))
      const response = await send(client, route, url)
      const status = response.status()
      const location = String(response.header('location') ?? '')
      const toLogin = status >= 300 && status < 400 && /\/login(\?|$)/.test(location)
      if (!(toLogin || [401, 403, 404, 405].includes(status))) {
        failures.push(`${route.label} → ${status} ${location}`)
      }
    }
    assert.deepEqual(failures, [], `guest reached: ${failures.join('; ')}`)
  }).timeout(120_000)

  test('agents, supervisors and a role without permissions are refused every route whose permission they lack', async ({
    client,
    assert,
  }) => {
    const world = await buildWorld()
    const supervisor = await createUser('supervisor')
    const nobody = await createUser('sin_permisos')
    const admin = await createUser('admin')
    const adminHolds = await admin.permissions()
    const failures: string[] = []
    const controlled = new Set<string>()
    let checked = 0
    for (const user of [world.me, supervisor, nobody]) {
      const held = await user.permissions()
      const role = (await Role.findOrFail(user.roleId)).key
      for (const route of registeredRoutes()) {
        if (!hasMiddleware(route, 'auth') || permitsHolder(route, held)) continue
        checked += 1
        const url = urlFor(route, paramValue(world, route))
        const response = await send(client, route, url, user)
        if (![403, 404].includes(response.status())) {
          failures.push(`${role}: ${route.label} → ${response.status()}`)
        }
        // Control: the same URL opens for an administrator, so the refusal is the permission's.
        if (
          route.method === 'GET' &&
          permitsHolder(route, adminHolds) &&
          !url.includes(NONEXISTENT_ID) &&
          !controlled.has(url)
        ) {
          controlled.add(url)
          const control = await send(client, route, url, admin)
          if ([401, 403, 404].includes(control.status())) {
            failures.push(`admin control: ${route.label} (${url}) → ${control.status()}`)
          }
        }
      }
    }
    assert.isAbove(checked, 0)
    assert.deepEqual(failures, [], `not refused: ${failures.join('; ')}`)
  }).timeout(120_000)

  test('an agent never reaches another agent’s chats, messages, files, transfers or notifications', async ({
    client,
    assert,
  }) => {
    const world = await buildWorld()
    const held = await world.me.permissions()
    const before = await snapshotOf(world.conversation)
    const markers = [OTHER_CONTACT, OTHER_SECRET]
    const failures: string[] = []
    let checked = 0
    for (const route of registeredRoutes()) {
      if (!SCOPED_AREAS.some((area) => route.pattern.startsWith(area))) continue
      if (!permitsHolder(route, held)) continue
      checked += 1
      const url = urlFor(route, paramValue(world, route))
      for (const htmx of route.method === 'GET' ? [false, true] : [false]) {
        const how = htmx ? ' [htmx]' : ''
        const leaks = (text: string | undefined) =>
          markers.some((marker) => (text ?? '').includes(marker)) ||
          (route.pattern.startsWith('/dashboard') && (text ?? '').includes(world.other.fullName))
        const response = await send(client, route, url, world.me, htmx)
        if (leaks(response.text())) failures.push(`${route.label}${how} (${url}) leaks`)
        if (targetsOthersRow(route) && ![403, 404].includes(response.status())) {
          failures.push(`${route.label}${how} (${url}) → ${response.status()}`)
        }
        if (route.method !== 'GET') continue
        // Lists and figures: asking for the other agent's rows by query string changes nothing.
        if (!route.params.length || route.pattern.startsWith('/dashboard')) {
          const id = world.other.id
          const probe = `${url}?agent=${id}&user=${id}&userId=${id}&assigned=${id}&scope=team`
          if (leaks((await send(client, route, probe, world.me, htmx)).text())) {
            failures.push(`${route.label}${how} (${probe}) leaks`)
          }
        }
        // The agent's own chat, with the list beside it, shows nothing of the other one.
        if (targetsChat(route)) {
          const ownUrl = urlFor(route, paramValue({ ...world, ...world.mine }, route))
          if (leaks((await send(client, route, ownUrl, world.me, htmx)).text())) {
            failures.push(`${route.label}${how} (${ownUrl}) leaks`)
          }
        }
        // Control: the owner opens the same URL, so the refusal is about whose row it is.
        if (targetsOthersRow(route)) {
          const control = await send(client, route, url, world.other, htmx)
          if ([401, 403, 404].includes(control.status())) {
            failures.push(`owner control: ${route.label}${how} (${url}) → ${control.status()}`)
          }
        }
      }
    }
    const ownInbox = await client.get('/inbox').loginAs(world.other)
    ownInbox.assertTextIncludes(OTHER_CONTACT)
    assert.isAbove(checked, 0)
    assert.deepEqual(failures, [], failures.join('; '))
    assert.deepEqual(await snapshotOf(world.conversation), before)
  }).timeout(120_000)

  test('a role that may only read its chats opens its own chat and changes nothing in it', async ({
    client,
    assert,
  }) => {
    const world = await buildWorld()
    await createCustomRole('solo_lectura', ['chats.view_own'])
    const reader = await createUser('solo_lectura')
    const own = await receive(await createConnection(), {
      waId: '593991110003',
      name: 'Cliente del lector',
    })
    await db
      .from('conversations')
      .where('id', own.conversationId)
      .update({ assigned_user_id: reader.id, state: 'pending' })
    const readersWorld = { ...world, conversation: own.conversationId, message: own.messageId! }
    const before = await snapshotOf(own.conversationId)

    const page = await client.get(`/inbox/conversations/${own.conversationId}`).loginAs(reader)
    page.assertStatus(200)
    page.assertTextIncludes('Cliente del lector')

    const failures: string[] = []
    let checked = 0
    for (const route of registeredRoutes()) {
      if (route.method === 'GET' || !targetsChat(route)) continue
      checked += 1
      const url = urlFor(route, paramValue(readersWorld, route))
      const response = await send(client, route, url, reader)
      if (![403, 404].includes(response.status())) {
        failures.push(`${route.label} (${url}) → ${response.status()}`)
      }
    }
    assert.isAbove(checked, 0)
    assert.deepEqual(failures, [], `a read-only role acted: ${failures.join('; ')}`)
    assert.deepEqual(await snapshotOf(own.conversationId), before)
  }).timeout(120_000)
})
