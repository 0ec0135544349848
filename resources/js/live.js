/*
 * Live bridge: Transmit (SSE) → DOM events → htmx refetch.
 *
 * The server pushes small signals ({ type, id }) on channels the user was
 * authorized for at subscribe time (app/listeners/broadcast.ts is the only
 * sender). Each signal becomes a `live:<type>` event on <body>, and the
 * fragment that shows the data refetches itself with its own session:
 *
 *   <div id="notification-bell" hx-get="/notifications/bell"
 *        hx-trigger="live:notification.created from:body, live:reconnected from:body">
 *
 * So authorization and per-viewer markup stay on the server, and a page
 * without this script (or with Transmit down) still works: fragments are
 * ordinary URLs that a reload or a "refresh" link fetches.
 *
 * Channels: the user's own (`users/<id>`, from <body data-user-id>) always,
 * plus every `[data-live-channel]` in the page. Fragments swapped in or out
 * by htmx add or drop their channels (checked after every swap).
 *
 * Events on <body>, for fragments and tests:
 *   live:<type>           a signal arrived (detail: { type, id, channel })
 *   live:reconnected      the stream came back after a gap: signals may have
 *                         been missed, so live fragments should refetch
 *   live:subscribed       detail: { channel }
 *   live:subscribe-failed detail: { channel, status } (refused or server error)
 * and <body data-live-state="connecting|connected|reconnecting|offline">,
 * <body data-live-channels="users/1 system_events"> (channels accepted).
 *
 * Reconnects: the Transmit client retries a dropped stream a few times and
 * re-subscribes by itself; when it gives up (or the stream stays down, e.g.
 * the server restarted while the session expired) we build a new client with
 * a growing delay, and at once when the browser comes back online or the
 * tab becomes visible again.
 *
 * CSRF: subscribe/unsubscribe are POSTs checked by Shield, so each carries
 * the page's token (<meta name="csrf-token">) in `x-csrf-token`.
 */
import { Transmit } from '/vendor/transmit.js'

const body = document.body
const csrf = document.querySelector('meta[name="csrf-token"]')?.content
const userId = body.dataset.userId

/** How long a dropped stream may stay down before we rebuild the client. */
const STALLED_AFTER_MS = 15000
const MAX_RETRY_DELAY_MS = 60000

let transmit = null
let wasConnected = false
let retryDelay = 2000
let stallTimer = null
let retryTimer = null
let lastFailure = null
/** channel → { subscription, stop } for every channel asked for (accepted or not) */
const subscriptions = new Map()
const accepted = new Set()

function emit(name, detail) {
  body.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }))
}

function setState(state) {
  body.dataset.liveState = state
}

function publishAccepted() {
  body.dataset.liveChannels = [...accepted].sort().join(' ')
}

function withCsrf(request) {
  if (csrf) request.headers.set('x-csrf-token', csrf)
}

/** Signals of the last few seconds, replayed to fragments that were being refetched meanwhile. */
const recentSignals = []
const REPLAY_WINDOW_MS = 5000

function dispatchSignal(channel, message) {
  if (!message || typeof message !== 'object' || typeof message.type !== 'string') return
  const name = `live:${message.type}`
  const detail = { ...message, channel }
  const now = performance.now()
  recentSignals.push({ name, detail, at: now })
  while (recentSignals.length && now - recentSignals[0].at > REPLAY_WINDOW_MS) recentSignals.shift()
  emit(name, detail)
}

function wanted() {
  const channels = new Set()
  if (userId) channels.add(`users/${userId}`)
  document.querySelectorAll('[data-live-channel]').forEach((element) => {
    if (element.dataset.liveChannel) channels.add(element.dataset.liveChannel)
  })
  return channels
}

async function subscribe(channel) {
  if (!transmit || subscriptions.has(channel)) return
  const client = transmit
  const subscription = client.subscription(channel)
  const stop = subscription.onMessage((message) => dispatchSignal(channel, message))
  subscriptions.set(channel, { subscription, stop })
  try {
    // Resolves once the POST is answered (it waits for the stream to open first).
    await subscription.create()
  } catch (error) {
    // The client swallows network errors itself; anything else must not break the page.
    console.warn('live: could not subscribe to', channel, error)
  }
  if (client !== transmit || subscription.isCreated) return
  // Refused (not allowed to see it) or failed: the page keeps working without it,
  // and we do not ask again until the page or the connection changes.
  console.warn('live: subscription refused', channel, lastFailure)
  emit('live:subscribe-failed', { channel, status: lastFailure })
}

async function unsubscribe(channel) {
  const entry = subscriptions.get(channel)
  subscriptions.delete(channel)
  accepted.delete(channel)
  publishAccepted()
  entry?.stop()
  try {
    await entry?.subscription.delete()
  } catch (error) {
    console.warn('live: could not unsubscribe from', channel, error)
  }
}

/** Subscribe to what the page shows now, drop what it no longer shows. */
function sync() {
  const channels = wanted()
  for (const channel of channels) subscribe(channel)
  for (const channel of [...subscriptions.keys()]) {
    if (!channels.has(channel)) unsubscribe(channel)
  }
}

function clearTimers() {
  clearTimeout(stallTimer)
  clearTimeout(retryTimer)
  stallTimer = retryTimer = null
}

function scheduleRebuild() {
  if (retryTimer) return
  setState('offline')
  retryTimer = setTimeout(() => {
    retryTimer = null
    connect()
  }, retryDelay)
  retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS)
}

function connect() {
  clearTimers()
  try {
    transmit?.close()
  } catch {}
  subscriptions.clear()
  accepted.clear()
  publishAccepted()
  setState('connecting')

  try {
    transmit = new Transmit({
      baseUrl: window.location.origin,
      beforeSubscribe: withCsrf,
      beforeUnsubscribe: withCsrf,
      onSubscription(channel) {
        accepted.add(channel)
        publishAccepted()
        emit('live:subscribed', { channel })
      },
      onSubscribeFailed(response) {
        lastFailure = response.status
      },
      onReconnectFailed: scheduleRebuild,
    })
  } catch (error) {
    console.warn('live: cannot connect', error)
    scheduleRebuild()
    return
  }

  transmit.on('connected', () => {
    clearTimers()
    setState('connected')
    retryDelay = 2000
    if (wasConnected) emit('live:reconnected', {})
    wasConnected = true
  })
  transmit.on('reconnecting', () => {
    setState('reconnecting')
    if (!stallTimer) stallTimer = setTimeout(scheduleRebuild, STALLED_AFTER_MS)
  })
  sync()
}

function wakeUp() {
  if (document.visibilityState === 'hidden') return
  if (body.dataset.liveState === 'offline' || body.dataset.liveState === 'reconnecting') {
    retryDelay = 2000
    connect()
  }
}

/*
 * Live fragments without their own hx-sync get `this:replace`: a newer refetch replaces one still
 * in flight, so the response that lands reflects the latest state.
 */
function syncLiveFragments(root) {
  if (!root || !root.querySelectorAll) return
  const found = [...root.querySelectorAll('[hx-trigger*="live:"]')]
  if (root.matches?.('[hx-trigger*="live:"]')) found.push(root)
  for (const element of found) {
    if (!element.hasAttribute('hx-sync')) element.setAttribute('hx-sync', 'this:replace')
  }
}
syncLiveFragments(document)
document.addEventListener('htmx:load', (event) => syncLiveFragments(event.detail.elt))

/*
 * A signal that arrives while a fragment's refetch is in flight is dropped by htmx (its default
 * hx-sync), and a fragment that swaps itself (hx-swap="outerHTML") listens again only once its new
 * copy is processed: either way a "read" right after "delivered" would reach nobody and the tick
 * would stay behind. The same holds for any other request that brings a fragment in — the
 * composer's answer inserts the agent's message, and its "sent" may arrive before that answer
 * does. So after every htmx request settles, the signals that arrived since it started are
 * replayed; fragments they do not concern ignore them, the others refetch once more.
 */
document.addEventListener('htmx:beforeRequest', (event) => {
  const config = event.detail.requestConfig
  if (config) config.liveStartedAt = performance.now()
})
document.addEventListener('htmx:afterSettle', (event) => {
  const started = event.detail.requestConfig?.liveStartedAt
  if (started === undefined) return
  for (const signal of recentSignals.filter((entry) => entry.at > started)) {
    emit(signal.name, { ...signal.detail, replayed: true })
  }
})

if (body && (userId || document.querySelector('[data-live-channel]'))) {
  connect()
  // Fragments swapped in or out by htmx may bring or take away channels.
  body.addEventListener('htmx:afterSettle', sync)
  // A refetch caused by a signal says so: the server keeps the session's flash message for the
  // page the user is being redirected to (app/middleware/keep_flash_for_fragments_middleware.ts).
  body.addEventListener('htmx:configRequest', (event) => {
    const cause = event.detail.triggeringEvent?.type
    if (typeof cause === 'string' && cause.startsWith('live:')) {
      event.detail.headers['X-Chasqui-Live'] = '1'
    }
  })
  window.addEventListener('online', wakeUp)
  document.addEventListener('visibilitychange', wakeUp)
  // A page kept in the back/forward cache must not hold a stream open.
  window.addEventListener('pagehide', () => {
    clearTimers()
    transmit?.close()
  })
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) connect()
  })
}

/** Stops listening until the browser comes back online or the tab is shown again. */
function disconnect() {
  clearTimers()
  try {
    transmit?.close()
  } catch {}
  transmit = null
  subscriptions.clear()
  accepted.clear()
  publishAccepted()
  setState('offline')
}

window.chasquiLive = {
  sync,
  disconnect,
  get state() {
    return body.dataset.liveState
  },
  channels: () => [...accepted],
}
