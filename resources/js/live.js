/*
 * Live bridge: Transmit (SSE) → DOM events → htmx refetch.
 *
 * The server pushes small signals ({ type, id }) on channels the user was
 * authorized for at subscribe time. Each signal becomes a `live:<type>` event
 * on <body>; fragments refetch themselves with their own session through
 *   hx-trigger="live:notification.created from:body"
 * so authorization and per-viewer markup stay on the server.
 *
 * Channels: the user's own (`users/<id>`) always, plus every
 * `data-live-channel` found in the page (added by pages that need more).
 */
import { Transmit } from '/vendor/transmit.js'

const csrf = document.querySelector('meta[name="csrf-token"]')?.content
const userId = document.body.dataset.userId
const subscriptions = new Map()

const transmit = new Transmit({
  baseUrl: window.location.origin,
  beforeSubscribe(request) {
    if (csrf) request.headers.set('x-csrf-token', csrf)
  },
  beforeUnsubscribe(request) {
    if (csrf) request.headers.set('x-csrf-token', csrf)
  },
})

function dispatch(channel, message) {
  const detail = typeof message === 'object' && message ? { ...message, channel } : { channel, message }
  if (!detail.type) return
  document.body.dispatchEvent(new CustomEvent(`live:${detail.type}`, { detail, bubbles: true }))
}

async function subscribe(channel) {
  if (!channel || subscriptions.has(channel)) return
  const subscription = transmit.subscription(channel)
  subscriptions.set(channel, subscription)
  subscription.onMessage((message) => dispatch(channel, message))
  try {
    await subscription.create()
    document.body.dispatchEvent(new CustomEvent('live:subscribed', { detail: { channel } }))
  } catch (error) {
    subscriptions.delete(channel)
    console.warn('live: could not subscribe to', channel, error)
  }
}

function scan(root = document) {
  root.querySelectorAll('[data-live-channel]').forEach((element) => subscribe(element.dataset.liveChannel))
}

if (userId) subscribe(`users/${userId}`)
scan()
// Fragments swapped in by htmx may bring channels of their own.
document.body.addEventListener('htmx:afterSettle', (event) => scan(event.target))

window.chasquiLive = { subscribe, subscriptions }
