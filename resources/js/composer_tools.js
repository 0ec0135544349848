/*
 * The composer's tools: the `/` quick reply list and the emoji picker
 * (partials/inbox/composer_tools.edge). Listeners are delegated from the
 * document because htmx swaps the composer after every send.
 *
 * Quick replies: `/` at the start of the text or after a space opens a list
 * (server-rendered: GET <data-quick-replies-url>?q=<typed>) of active quick
 * replies already filled for this chat; ↑/↓ move, Enter or Tab inserts the
 * reply in place of `/typed`, Escape closes the list and leaves the text as
 * it is. Inserted text goes through an `input` event, so the composer's
 * draft (inbox.js) keeps it like anything typed.
 *
 * Emoji: the button opens a panel; arrows move, Enter inserts at the caret,
 * Escape closes and returns the focus to the text.
 */
;(() => {
  if (window.chasquiComposerTools) return

  const SLASH = /(?:^|\s)\/([^\s/]{0,40})$/

  /** The open quick reply list, if any. */
  let picker = null
  /** Where a dismissed `/` started: Escape keeps it closed until a new `/`. */
  let dismissed = null
  let pending = null
  let debounce = null

  function composerOf(element) {
    return element && element.closest ? element.closest('form#composer') : null
  }

  function textareaOf(form) {
    return form ? form.querySelector('textarea[name=body]') : null
  }

  /** Puts `text` in place of [start, end) and lets Alpine and the draft know. */
  function insertText(textarea, text, start, end) {
    textarea.focus()
    textarea.setRangeText(text, start, end, 'end')
    textarea.dispatchEvent(new Event('input', { bubbles: true }))
  }

  /* ---------------------------------------------------------------- quick replies */

  function slashToken(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return null
    const caret = textarea.selectionStart
    const match = SLASH.exec(textarea.value.slice(0, caret))
    if (!match) return null
    return { start: caret - match[1].length - 1, end: caret, query: match[1] }
  }

  function options() {
    return picker ? [...picker.list.querySelectorAll('[role=option]')] : []
  }

  function activate(index) {
    const all = options()
    if (!all.length) {
      picker.textarea.removeAttribute('aria-activedescendant')
      return
    }
    picker.active = (index + all.length) % all.length
    all.forEach((option, i) => option.setAttribute('aria-selected', String(i === picker.active)))
    const current = all[picker.active]
    picker.textarea.setAttribute('aria-activedescendant', current.id)
    current.scrollIntoView({ block: 'nearest' })
  }

  function close() {
    if (!picker) return
    pending?.abort()
    clearTimeout(debounce)
    picker.list.hidden = true
    picker.list.innerHTML = ''
    picker.textarea.setAttribute('aria-expanded', 'false')
    picker.textarea.removeAttribute('aria-activedescendant')
    picker = null
  }

  async function load(form, textarea, token) {
    const tools = form.querySelector('[data-composer-tools]')
    const url = tools && tools.dataset.quickRepliesUrl
    const list = form.querySelector('[data-quick-reply-list]')
    if (!url || !list) return
    if (!picker || picker.list !== list) {
      close()
      picker = { form, textarea, list, token, active: 0 }
      textarea.setAttribute('aria-controls', list.id)
      textarea.setAttribute('aria-autocomplete', 'list')
    }
    picker.token = token
    pending?.abort()
    const controller = new AbortController()
    pending = controller
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(token.query)}`, {
        headers: { 'HX-Request': 'true', Accept: 'text/html' },
        credentials: 'same-origin',
        signal: controller.signal,
      })
      if (!picker || controller !== pending) return
      // A lapsed session answers with the login page (redirected): never show that as a list.
      if (!response.ok || response.redirected) return close()
      picker.list.innerHTML = await response.text()
      picker.list.hidden = false
      textarea.setAttribute('aria-expanded', 'true')
      activate(0)
    } catch (error) {
      if (error && error.name !== 'AbortError') close()
    }
  }

  function refresh(textarea) {
    const form = composerOf(textarea)
    const token = slashToken(textarea)
    if (!token) {
      dismissed = null
      return close()
    }
    if (dismissed === token.start) return
    clearTimeout(debounce)
    debounce = setTimeout(() => load(form, textarea, token), 120)
  }

  function choose(option) {
    if (!picker || !option) return
    const { textarea, token } = picker
    // The text may have moved since the list was fetched: replace what is there now.
    const current = slashToken(textarea) || token
    close()
    insertText(textarea, option.dataset.text || '', current.start, current.end)
  }

  document.addEventListener('input', (event) => {
    const textarea = event.target
    if (!(textarea instanceof HTMLTextAreaElement) || textarea.name !== 'body') return
    if (!composerOf(textarea)) return
    refresh(textarea)
  })

  // Capture phase: runs before the composer's own Enter-sends handler, which must not see
  // an Enter that picks a quick reply or an Escape that closes the list.
  document.addEventListener(
    'keydown',
    (event) => {
      if (!picker || event.target !== picker.textarea || event.isComposing) return
      const open = !picker.list.hidden
      if (event.key === 'Escape') {
        dismissed = picker.token.start
        close()
      } else if (open && event.key === 'ArrowDown') {
        activate(picker.active + 1)
      } else if (open && event.key === 'ArrowUp') {
        activate(picker.active - 1)
      } else if (open && (event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey) {
        const option = options()[picker.active]
        if (!option) return close()
        choose(option)
      } else {
        return
      }
      event.preventDefault()
      event.stopPropagation()
    },
    true
  )

  // Mouse: keep the focus in the textarea, pick on click.
  document.addEventListener('mousedown', (event) => {
    const option = event.target.closest && event.target.closest('[data-quick-reply-list] [role=option]')
    if (option) event.preventDefault()
  })
  document.addEventListener('click', (event) => {
    const option = event.target.closest && event.target.closest('[data-quick-reply-list] [role=option]')
    if (option && picker) choose(option)
    else if (picker && !picker.form.contains(event.target)) close()
  })
  document.addEventListener('focusout', (event) => {
    if (picker && event.target === picker.textarea) setTimeout(() => {
      if (picker && document.activeElement !== picker.textarea) close()
    }, 150)
  })
  document.addEventListener('htmx:beforeSwap', () => close())

  /* ---------------------------------------------------------------- emoji */

  function panelParts(root) {
    return {
      toggle: root.querySelector('[data-emoji-toggle]'),
      panel: root.querySelector('[data-emoji-panel]'),
      buttons: [...root.querySelectorAll('[data-emoji]')],
    }
  }

  function openEmoji(root) {
    const { toggle, panel, buttons } = panelParts(root)
    panel.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    buttons.forEach((button, i) => (button.tabIndex = i === 0 ? 0 : -1))
    buttons[0]?.focus()
  }

  function closeEmoji(root, focusText) {
    const { toggle, panel } = panelParts(root)
    if (panel.hidden) return
    panel.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
    if (focusText) textareaOf(composerOf(root))?.focus()
  }

  function focusEmoji(buttons, index) {
    buttons.forEach((button, i) => (button.tabIndex = i === index ? 0 : -1))
    buttons[index].focus()
  }

  /** ↑/↓: the emoji in the row above/below (groups have rows of different lengths) nearest in x. */
  function verticalNeighbour(buttons, from, direction) {
    const here = buttons[from].getBoundingClientRect()
    let best = -1
    let bestRow = direction > 0 ? Infinity : -Infinity
    let bestDx = Infinity
    buttons.forEach((button, i) => {
      const box = button.getBoundingClientRect()
      const beyond = direction > 0 ? box.top > here.top + 2 : box.top < here.top - 2
      if (!beyond) return
      const closerRow = direction > 0 ? box.top < bestRow - 2 : box.top > bestRow + 2
      const sameRow = Math.abs(box.top - bestRow) <= 2
      const dx = Math.abs(box.left - here.left)
      if (closerRow || (sameRow && dx < bestDx)) {
        best = i
        bestRow = box.top
        bestDx = dx
      }
    })
    return best < 0 ? from : best
  }

  document.addEventListener('click', (event) => {
    const target = event.target.closest ? event.target : null
    if (!target) return
    const toggle = target.closest('[data-emoji-toggle]')
    if (toggle) {
      const root = toggle.closest('[data-emoji-picker]')
      if (panelParts(root).panel.hidden) openEmoji(root)
      else closeEmoji(root, true)
      return
    }
    const emoji = target.closest('[data-emoji]')
    if (emoji) {
      const root = emoji.closest('[data-emoji-picker]')
      const textarea = textareaOf(composerOf(root))
      if (!textarea) return
      // A textarea keeps its selection while the focus is in the panel.
      insertText(textarea, emoji.dataset.emoji, textarea.selectionStart, textarea.selectionEnd)
      closeEmoji(root, false)
      return
    }
    document.querySelectorAll('[data-emoji-picker]').forEach((root) => {
      if (!root.contains(target)) closeEmoji(root, false)
    })
  })

  document.addEventListener('keydown', (event) => {
    const emoji = event.target.closest && event.target.closest('[data-emoji]')
    const root = event.target.closest && event.target.closest('[data-emoji-picker]')
    if (!root) return
    if (event.key === 'Escape') {
      event.preventDefault()
      closeEmoji(root, true)
      return
    }
    if (!emoji) return
    const { buttons } = panelParts(root)
    const index = buttons.indexOf(emoji)
    const last = buttons.length - 1
    const targets = {
      ArrowRight: () => Math.min(last, index + 1),
      ArrowLeft: () => Math.max(0, index - 1),
      ArrowDown: () => verticalNeighbour(buttons, index, 1),
      ArrowUp: () => verticalNeighbour(buttons, index, -1),
      Home: () => 0,
      End: () => last,
    }
    if (event.key in targets) {
      event.preventDefault()
      focusEmoji(buttons, targets[event.key]())
    }
  })

  window.chasquiComposerTools = { close, insertText }
})()
