import type { I18n } from '@adonisjs/i18n'
import type { Translated } from '#plugin_host/contract'
import type { PluginHost } from '#plugin_host/plugin_host'
import type { InstalledPlugin } from '#plugin_host/installed_plugin'
import type { PluginError } from '#plugin_host/plugin_errors'

/**
 * What Settings → Plugins shows, in the viewer's language. Secrets appear
 * only as "saved or not": their values never leave the server.
 */
export class PluginPresenter {
  constructor(
    private host: PluginHost,
    private locale: string
  ) {}

  #text(value: Translated | undefined) {
    if (!value) return ''
    return this.locale === 'en' ? value.en : value.es
  }

  nameOf(key: string) {
    const plugin = this.host.find(key)
    return plugin ? this.#text(plugin.manifest.name) : key
  }

  list() {
    return this.host.plugins.map((plugin) => this.summary(plugin))
  }

  summary(plugin: InstalledPlugin) {
    return {
      key: plugin.key,
      name: this.#text(plugin.manifest.name),
      description: this.#text(plugin.manifest.description),
      version: plugin.manifest.version,
      kind: plugin.manifest.kind,
      status: plugin.status(this.host.runsPlugins),
      error: plugin.error,
      dependencies: plugin.dependencies.map((dependency) => this.nameOf(dependency.key)),
      hasSettings: plugin.settings.hasForm,
    }
  }

  /** The generated settings form: one entry per manifest field, with its current value. */
  form(plugin: InstalledPlugin) {
    const current = plugin.currentSettings()
    return plugin.settings.fields.map(([name, field]) => {
      const secret = plugin.settings.secretFields.has(name)
      return {
        name,
        label: this.#text(field.label),
        type: secret ? 'password' : field.type,
        help: this.#text(field.help),
        required: Boolean(field.required),
        options: (field.options ?? []).map((option) => ({
          value: option.value,
          label: this.#text(option.label),
        })),
        secret,
        saved: secret && plugin.secrets[name] !== undefined,
        value: secret ? '' : (current[name] ?? ''),
      }
    })
  }

  /** A refused action, in the viewer's language, naming plugins by their display name. */
  errorMessage(error: PluginError, i18n: I18n) {
    const params = { ...error.params }
    if (params.dependency) params.dependency = this.nameOf(params.dependency)
    if (params.dependents)
      params.dependents = params.dependents
        .split(', ')
        .map((key) => this.nameOf(key))
        .join(', ')
    return i18n.t(`plugins.errors.${error.code}`, params)
  }
}
