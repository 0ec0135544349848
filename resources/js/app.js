/*
 * Chasqui browser glue: htmx sends the CSRF token on every request (the
 * header is on <body>), and a stale token reloads the page (HX-Refresh from
 * the server). Nothing here talks to the server on its own.
 */
document.addEventListener('htmx:responseError', (event) => {
  const target = document.getElementById('flash')
  if (!target || event.detail.xhr.status < 500) return
  target.innerHTML = '<div class="alert alert--error" role="alert">' +
    (document.documentElement.lang === 'en' ? 'Something went wrong. Try again.' : 'Algo salió mal. Intenta de nuevo.') +
    '</div>'
})
