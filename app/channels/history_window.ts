import pluginHost from '#plugin_host/plugin_host'

/** The oldest moment of history to keep for a connection; null keeps everything. */
export type HistoryCutoff = (connectionId: number) => Date | null

/** What a feature plugin receives as `ctx.ports.history`. */
export interface HistoryPort {
  /** Declare how far back imported history is kept (consulted only while the plugin is active). */
  limit(cutoff: HistoryCutoff): void
}

/**
 * How far back the history a channel imports on first link is kept. Channels
 * report whatever their provider hands over (`historical: true`); an active
 * feature plugin (contact sync) may narrow it, and the narrowest window wins.
 * With no plugin saying anything, everything reported is kept: nothing is
 * lost by default.
 */
export class HistoryWindow {
  #cutoffs = new Map<string, HistoryCutoff>()

  forPlugin(pluginKey: string): HistoryPort {
    return { limit: (cutoff) => void this.#cutoffs.set(pluginKey, cutoff) }
  }

  cutoff(connectionId: number): Date | null {
    let latest: Date | null = null
    for (const [key, cutoff] of this.#cutoffs) {
      if (!pluginHost.isActive(key)) continue
      const date = cutoff(connectionId)
      if (date && (!latest || date > latest)) latest = date
    }
    return latest
  }

  /** True when a historical message dated `at` falls outside the window. */
  excludes(connectionId: number, at: Date) {
    const cutoff = this.cutoff(connectionId)
    return !!cutoff && at < cutoff
  }
}

declare module '#plugin_host/contract' {
  interface PluginPorts {
    history: HistoryPort
  }
}

export default new HistoryWindow()
