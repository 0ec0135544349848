/*
 * The composer's attachment (partials/inbox/attachments.edge), loaded
 * blocking at the top of the inbox page so Alpine finds
 * `composerAttachments` when it starts.
 *
 * A file is uploaded as soon as it is picked, pasted, dropped or recorded;
 * the composer form then only carries the upload token. The composer is
 * replaced by the server's answer after every send, so the attachment of a
 * refused send (the server hands its token back) is kept here, per
 * conversation, to restore its preview. The upload itself (token, name,
 * kind, size; not the preview, which dies with the page) is also kept in
 * localStorage beside the draft, so a reload does not lose it; the server
 * checks the token again at send time (owner, 24 h expiry).
 */
const MAX_BYTES = 16 * 1024 * 1024
/* Ogg/Opus (Firefox) is closest to WhatsApp's voice notes; Chromium records WebM/Opus. */
const VOICE_TYPES = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm']
const kept = new Map()

/* inbox.js (loaded first) owns the access to localStorage. */
const savedUploads = () => window.inboxDraftStore?.() ?? null

function restoreUpload(conversationId) {
  try {
    const saved = JSON.parse(savedUploads()?.getItem(`chasqui:attachment:${conversationId}`) || 'null')
    return saved && typeof saved.token === 'string' && saved.token ? saved : null
  } catch {
    return null
  }
}

function kindOf(type) {
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('audio/')) return 'audio'
  return 'document'
}

function csrfToken(form) {
  return (
    document.querySelector('meta[name="csrf-token"]')?.content ||
    form?.querySelector('input[name=_csrf]')?.value ||
    ''
  )
}

window.composerAttachments = function (conversationId, sent) {
  // Native objects stay out of Alpine's reactive proxies.
  let recorder = null
  let stream = null
  let chunks = []
  let discard = false
  let ticker = null
  let sendWhenUploaded = false
  return {
    token: '',
    name: '',
    kind: '',
    size: 0,
    preview: '',
    uploading: false,
    recording: false,
    elapsed: '0:00',
    error: '',

    init() {
      const form = this.$el.closest('form')
      const serverToken = this.$el.querySelector('input[name=mediaToken]').value
      const previous = kept.get(conversationId)
      const reloaded = !sent && !serverToken ? restoreUpload(conversationId) : null
      if (reloaded) Object.assign(this, reloaded)
      else if (sent || !serverToken) this.forget()
      else if (previous && previous.token === serverToken) Object.assign(this, previous)
      else Object.assign(this, { token: serverToken, name: this.$root.dataset.attached })
      if (!form) return
      form.addEventListener('paste', (event) => {
        const file = event.clipboardData?.files?.[0]
        if (!file) return
        event.preventDefault()
        this.upload(file)
      })
      form.addEventListener('dragover', (event) => {
        if (!event.dataTransfer?.types?.includes('Files')) return
        event.preventDefault()
        form.classList.add('composer--dragover')
      })
      form.addEventListener('dragleave', (event) => {
        if (!form.contains(event.relatedTarget)) form.classList.remove('composer--dragover')
      })
      form.addEventListener('drop', (event) => {
        form.classList.remove('composer--dragover')
        const file = event.dataTransfer?.files?.[0]
        if (!file) return
        event.preventDefault()
        this.upload(file)
      })
      // Nothing is sent while the microphone is on; a send during the upload waits for its token.
      form.addEventListener('htmx:beforeRequest', (event) => {
        if (event.detail.elt !== form) return
        if (this.recording) event.preventDefault()
        if (this.uploading) {
          event.preventDefault()
          sendWhenUploaded = true
        }
      })
    },

    destroy() {
      if (recorder && recorder.state !== 'inactive') this.cancel()
    },

    picked(event) {
      const file = event.target.files?.[0]
      event.target.value = ''
      if (file) this.upload(file)
    },

    async upload(file, voice = false) {
      this.error = ''
      if (file.type.startsWith('video/')) return this.fail(this.$root.dataset.errorVideo)
      if (file.size > MAX_BYTES) return this.fail(this.$root.dataset.errorTooLarge)
      this.forget()
      Object.assign(this, {
        uploading: true,
        name: file.name,
        size: file.size,
        kind: voice ? 'voice' : kindOf(file.type),
        preview: URL.createObjectURL(file),
      })
      const data = new FormData()
      data.append('file', file)
      if (voice) data.append('voice', '1')
      try {
        const response = await fetch('/media/uploads', {
          method: 'POST',
          body: data,
          credentials: 'same-origin',
          headers: { Accept: 'application/json', 'X-CSRF-TOKEN': csrfToken(this.$el.closest('form')) },
        })
        const answer = await response.json().catch(() => null)
        if (!response.ok || !answer?.token) {
          this.forget()
          return this.fail(answer?.error || this.$root.dataset.errorUpload)
        }
        Object.assign(this, {
          token: answer.token,
          kind: answer.kind,
          name: answer.filename || file.name,
          size: answer.size,
        })
        kept.set(conversationId, { token: this.token, name: this.name, kind: this.kind, size: this.size, preview: this.preview })
        savedUploads()?.setItem(
          `chasqui:attachment:${conversationId}`,
          JSON.stringify({ token: this.token, name: this.name, kind: this.kind, size: this.size })
        )
      } catch {
        this.forget()
        this.fail(this.$root.dataset.errorUpload)
      } finally {
        this.uploading = false
      }
      if (sendWhenUploaded) {
        sendWhenUploaded = false
        // After Alpine wrote the token into the hidden field. A failed upload sends nothing: the agent sees why.
        if (this.token) this.$nextTick(() => this.$root.closest('form')?.requestSubmit())
      }
    },

    fail(message) {
      this.error = message
    },

    remove() {
      this.forget()
      this.error = ''
    },

    forget() {
      const previous = kept.get(conversationId)
      if (previous?.preview) URL.revokeObjectURL(previous.preview)
      if (this.preview && this.preview !== previous?.preview) URL.revokeObjectURL(this.preview)
      kept.delete(conversationId)
      savedUploads()?.removeItem(`chasqui:attachment:${conversationId}`)
      Object.assign(this, { token: '', name: '', kind: '', size: 0, preview: '' })
    },

    sizeLabel() {
      if (!this.size) return ''
      const mb = this.size / (1024 * 1024)
      const locale = document.documentElement.lang || undefined
      const format = (value, digits) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)
      return mb >= 1 ? `${format(mb, 1)} MB` : `${format(Math.max(1, this.size / 1024), 0)} KB`
    },

    async record() {
      this.error = ''
      if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) {
        return this.fail(this.$root.dataset.errorRecorder)
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true })
      } catch {
        return this.fail(this.$root.dataset.errorRecorder)
      }
      const mimeType = VOICE_TYPES.find((type) => MediaRecorder.isTypeSupported(type))
      try {
        recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined)
      } catch {
        this.release()
        return this.fail(this.$root.dataset.errorRecording)
      }
      chunks = []
      discard = false
      recorder.ondataavailable = (event) => {
        if (event.data.size) chunks.push(event.data)
      }
      recorder.onstop = () => {
        const type = recorder.mimeType || mimeType || 'audio/webm'
        this.release()
        if (discard) return
        const blob = new Blob(chunks, { type })
        if (!blob.size) return this.fail(this.$root.dataset.errorRecording)
        const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm'
        this.upload(new File([blob], `nota-de-voz-${Date.now()}.${ext}`, { type }), true)
      }
      const started = Date.now()
      ticker = setInterval(() => {
        const seconds = Math.floor((Date.now() - started) / 1000)
        this.elapsed = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
      }, 500)
      this.elapsed = '0:00'
      this.recording = true
      recorder.start()
    },

    stop() {
      if (recorder && recorder.state !== 'inactive') recorder.stop()
    },

    cancel() {
      discard = true
      this.stop()
    },

    release() {
      clearInterval(ticker)
      stream?.getTracks().forEach((track) => track.stop())
      stream = null
      this.recording = false
    },
  }
}
