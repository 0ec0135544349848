/*
 * Inbox glue, loaded (blocking) at the top of the inbox page so Alpine finds
 * `inboxComposer` when it starts.
 *
 * The composer keeps what the agent typed as a draft per conversation in
 * localStorage (a failed send or a reload loses nothing) and makes the
 * idempotency key the server stores with the message: a fresh one for every
 * empty composer, the same one while a refused text is being corrected.
 */
function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID()
  // Plain-http installs (no secure context) have no randomUUID: build a v4 UUID by hand.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function draftStore() {
  try {
    return window.localStorage
  } catch {
    return null
  }
}
// The composer's attachment (attachments.js) keeps its upload beside the draft.
window.inboxDraftStore = draftStore

window.inboxComposer = function (conversationId, sent, note) {
  const key = `chasqui:draft:${conversationId}`
  const store = draftStore()
  return {
    body: '',
    clientId: '',
    note,
    init() {
      const textarea = this.$el.querySelector('textarea')
      const hidden = this.$el.querySelector('input[name=clientId]')
      if (sent) store?.removeItem(key)
      this.body = textarea?.value || (!sent && store?.getItem(key)) || ''
      this.clientId = hidden?.value || newClientId()
      this.$watch('body', (value) => {
        if (value) store?.setItem(key, value)
        else store?.removeItem(key)
      })
      if (sent) textarea?.focus()
    },
  }
}

/* Keep the newest message in view: at first, and when the timeline is refetched while at the bottom. */
function stickToBottom(timeline, force) {
  if (!timeline) return
  const nearBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 120
  if (force || nearBottom) timeline.scrollTop = timeline.scrollHeight
}

let wasNearBottom = true
document.addEventListener('htmx:beforeSwap', (event) => {
  const timeline = document.getElementById('timeline')
  if (timeline) wasNearBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 120
  void event
})
document.addEventListener('htmx:afterSettle', (event) => {
  const target = event.detail.target
  if (target && target.classList && target.classList.contains('timeline__older')) return
  stickToBottom(document.getElementById('timeline'), wasNearBottom)
})
document.addEventListener('DOMContentLoaded', () => stickToBottom(document.getElementById('timeline'), true))
