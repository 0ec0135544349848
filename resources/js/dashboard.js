/*
 * Dashboard charts (Chart.js, served by the app from node_modules at
 * /vendor/chart.umd.min.js). The metrics fragment carries its figures as
 * JSON in <script class="dashboard-chart-data">; every time htmx swaps the
 * fragment in (a new range, a live refetch) the charts are drawn again.
 * The same figures are in the tables below the charts, for screen readers
 * and for browsers without JavaScript.
 */
const COLORS = { received: '#2563eb', sent: '#0b6e4f', first: '#b54708', resolution: '#6941c6' }

function draw(root) {
  const source = root.querySelector('.dashboard-chart-data')
  if (!source || typeof window.Chart === 'undefined') return
  const data = JSON.parse(source.textContent)
  const canvas = (name) => root.querySelector(`canvas[data-chart="${name}"]`)
  const make = (name, config) => {
    const element = canvas(name)
    if (!element) return
    window.Chart.getChart(element)?.destroy()
    // No animation: a live refetch every few seconds must not keep redrawing from zero.
    config.options = { animation: false, responsive: true, ...config.options }
    new window.Chart(element, config)
  }
  const bars = (labels, sets) => ({
    type: 'bar',
    data: {
      labels,
      datasets: sets.map(([label, values, color]) => ({ label, data: values, backgroundColor: color })),
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  })
  make(
    'volume-per-day',
    bars(data.perDay.labels, [
      [data.labels.received, data.perDay.received, COLORS.received],
      [data.labels.sent, data.perDay.sent, COLORS.sent],
    ])
  )
  make('times-per-day', {
    type: 'line',
    data: {
      labels: data.perDay.labels,
      datasets: [
        { label: data.labels.firstResponse, data: data.perDay.firstResponseMinutes, borderColor: COLORS.first, spanGaps: true },
        { label: data.labels.resolution, data: data.perDay.resolutionMinutes, borderColor: COLORS.resolution, spanGaps: true },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  })
  make('volume-per-agent', bars(data.perAgent.labels, [[data.labels.sent, data.perAgent.sent, COLORS.sent]]))
  make(
    'volume-per-connection',
    bars(data.perConnection.labels, [
      [data.labels.received, data.perConnection.received, COLORS.received],
      [data.labels.sent, data.perConnection.sent, COLORS.sent],
    ])
  )
}

function drawAll() {
  const metrics = document.getElementById('dashboard-metrics')
  if (metrics) draw(metrics)
}

drawAll()
document.body.addEventListener('htmx:afterSettle', (event) => {
  if (event.target?.id === 'dashboard-metrics') drawAll()
})
