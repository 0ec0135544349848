/**
 * A plugin that cannot be installed as listed in config/plugins.ts. Thrown at
 * boot so the process stops before serving anything, naming the plugin.
 */
export class PluginBootError extends Error {
  constructor(
    readonly plugin: string,
    reason: string
  ) {
    super(`Plugin "${plugin}" cannot be loaded: ${reason}`)
    this.name = 'PluginBootError'
  }
}

export type PluginErrorCode =
  'unknown_plugin' | 'dependency_inactive' | 'required_by' | 'activation_failed' | 'no_settings'

/**
 * A refused runtime action (enable, disable, settings). `code` and `params`
 * feed the translation `plugins.errors.<code>`; `message` is the English text
 * for logs and the command line.
 */
export class PluginError extends Error {
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    readonly params: Record<string, string> = {}
  ) {
    super(message)
    this.name = 'PluginError'
  }
}
