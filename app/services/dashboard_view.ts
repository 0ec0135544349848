import { DateTime } from 'luxon'
import type { I18n } from '@adonisjs/i18n'
import { readFilters } from '#services/log_filters'
import { dashboardRangeValidator } from '#validators/dashboard_validator'
import { dashboardRange, MAX_RANGE_DAYS, type DashboardRange } from '#services/dashboard_range'
import dashboardSnapshot from '#services/dashboard_snapshot'
import dashboardMetrics from '#services/dashboard_metrics'
import dashboardAgents from '#services/dashboard_agents'
import type { DashboardScope } from '#services/dashboard_scope'
import { SingleFlight } from '#services/single_flight'

export type DashboardFragment = 'connections' | 'workload' | 'agents' | 'metrics'

/**
 * What the dashboard templates get: each fragment's figures for the viewer's
 * scope, with times and durations already formatted for their language and
 * the organization's time zone.
 */
export class DashboardView {
  async connections(scope: DashboardScope, i18n: I18n) {
    if (scope.kind !== 'team') return { connections: [] }
    const rows = await dashboardSnapshot.connections()
    return {
      connections: rows.map((row) => ({
        ...row,
        lastDisconnected: this.formatInstant(row.lastDisconnectedAt, scope, i18n.locale),
        since: this.formatInstant(row.statusChangedAt, scope, i18n.locale),
      })),
    }
  }

  async workload(scope: DashboardScope) {
    return inFlight.run(`workload:${scopeKey(scope)}`, async () => {
      const [trays, messages, contacts, pendingPerAgent] = await Promise.all([
        dashboardSnapshot.trays(scope),
        dashboardSnapshot.messages(scope),
        dashboardSnapshot.contacts(scope),
        dashboardSnapshot.pendingPerAgent(scope),
      ])
      return { trays, messages, contacts, pendingPerAgent }
    })
  }

  async agents(scope: DashboardScope) {
    const agents = await inFlight.run(`agents:${scopeKey(scope)}`, () =>
      dashboardAgents.list(scope)
    )
    return { agents }
  }

  /** The range metrics, or the translated reasons the range was refused (nothing queried). */
  async metrics(scope: DashboardScope, query: Record<string, unknown>, i18n: I18n) {
    const { filters, errors, input } = await readFilters(dashboardRangeValidator, query, i18n)
    let range: DashboardRange | null = null
    if (filters) {
      range = dashboardRange(filters, scope.timezone)
      if (!range) errors.push(i18n.t('dashboard.errors.range_too_long', { max: MAX_RANGE_DAYS }))
    }
    if (!range) {
      return { range: null, rangeInput: input, rangeErrors: errors, metrics: null, charts: null }
    }
    const metrics = await inFlight.run(`metrics:${scopeKey(scope)}:${range.from}:${range.to}`, () =>
      dashboardMetrics.forRange(scope, range)
    )
    const duration = (value: number | null) => this.formatDuration(value, i18n)
    return {
      range,
      rangeInput: { from: range.from, to: range.to },
      rangeErrors: [] as string[],
      metrics: {
        ...metrics,
        firstResponse: {
          ...metrics.firstResponse,
          avg: duration(metrics.firstResponse.avgSeconds),
          median: duration(metrics.firstResponse.medianSeconds),
        },
        resolution: {
          ...metrics.resolution,
          avg: duration(metrics.resolution.avgSeconds),
          median: duration(metrics.resolution.medianSeconds),
        },
        perDay: metrics.perDay.map((day) => ({
          ...day,
          label: this.formatDay(day.day, i18n.locale),
          avgFirstResponse: duration(day.avgFirstResponseSeconds),
          avgResolution: duration(day.avgResolutionSeconds),
        })),
      },
      // Plain data for the charts (resources/js/dashboard.js); the tables show the same figures.
      charts: {
        perDay: {
          labels: metrics.perDay.map((day) => this.formatDay(day.day, i18n.locale)),
          received: metrics.perDay.map((day) => day.received),
          sent: metrics.perDay.map((day) => day.sent),
          firstResponseMinutes: metrics.perDay.map((day) => minutes(day.avgFirstResponseSeconds)),
          resolutionMinutes: metrics.perDay.map((day) => minutes(day.avgResolutionSeconds)),
        },
        perAgent: {
          labels: metrics.perAgent.map((row) => row.fullName),
          sent: metrics.perAgent.map((row) => row.sent),
        },
        perConnection: {
          labels: metrics.perConnection.map((row) => row.name),
          received: metrics.perConnection.map((row) => row.received),
          sent: metrics.perConnection.map((row) => row.sent),
        },
        labels: {
          received: i18n.t('dashboard.received'),
          sent: i18n.t('dashboard.sent'),
          firstResponse: i18n.t('dashboard.first_response_minutes'),
          resolution: i18n.t('dashboard.resolution_minutes'),
        },
      },
    }
  }

  async fragment(
    name: DashboardFragment,
    scope: DashboardScope,
    ctx: { i18n: I18n; qs: Record<string, unknown> }
  ) {
    if (name === 'connections') return this.connections(scope, ctx.i18n)
    if (name === 'workload') return this.workload(scope)
    if (name === 'agents') return this.agents(scope)
    return this.metrics(scope, ctx.qs, ctx.i18n)
  }

  async page(scope: DashboardScope, ctx: { i18n: I18n; qs: Record<string, unknown> }) {
    const [connections, workload, agents, metrics] = await Promise.all([
      this.connections(scope, ctx.i18n),
      this.workload(scope),
      this.agents(scope),
      this.metrics(scope, ctx.qs, ctx.i18n),
    ])
    return { ...connections, ...workload, ...agents, ...metrics }
  }

  formatInstant(value: Date | null, scope: DashboardScope, locale: string) {
    if (!value) return null
    return DateTime.fromJSDate(value)
      .setZone(scope.timezone)
      .setLocale(locale)
      .toLocaleString(DateTime.DATETIME_MED)
  }

  formatDay(day: string, locale: string) {
    return DateTime.fromISO(day)
      .setLocale(locale)
      .toLocaleString({ day: 'numeric', month: 'short' })
  }

  /** "—", "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
  formatDuration(value: number | null, i18n: I18n) {
    if (value === null) return '—'
    if (value < 60) return i18n.t('dashboard.duration.seconds', { s: value })
    const totalMinutes = Math.round(value / 60)
    if (totalMinutes < 60) return i18n.t('dashboard.duration.minutes', { m: totalMinutes })
    const hours = Math.floor(totalMinutes / 60)
    if (hours < 48) {
      return i18n.t('dashboard.duration.hours', {
        h: hours,
        m: String(totalMinutes % 60).padStart(2, '0'),
      })
    }
    return i18n.t('dashboard.duration.days', { d: Math.floor(hours / 24), h: hours % 24 })
  }
}

/** Viewers with the same scope see the same figures (formatting per language comes after). */
const inFlight = new SingleFlight()

function scopeKey(scope: DashboardScope) {
  return scope.kind === 'own' ? `own:${scope.userId}:${scope.timezone}` : `team:${scope.timezone}`
}

function minutes(value: number | null) {
  return value === null ? null : Math.round((value / 60) * 10) / 10
}

export default new DashboardView()
