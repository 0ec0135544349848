import vine from '@vinejs/vine'
import encryption from '@adonisjs/core/services/encryption'
import type { MessagesProviderContact } from '@vinejs/vine/types'
import type { PluginManifest, SettingsField } from '#plugin_host/contract'

type Values = Record<string, unknown>

/** What an admin submitted from the generated form, before validation. */
export interface SettingsSubmission {
  /** Raw form values keyed by field name. */
  values: Record<string, unknown>
  /** Secret fields whose saved value must be removed. */
  clear?: string[]
}

/** Ciphertexts are bound to their plugin: a value copied into another row does not decrypt. */
const purpose = (key: string) => `plugin_secrets:${key}`

/**
 * A plugin's settings as the manifest describes them: defaults, schema,
 * which fields are secret. Secrets are one encrypted JSON blob per plugin.
 */
export class PluginSettings {
  #validator
  readonly secretFields: Set<string>

  constructor(private manifest: PluginManifest) {
    this.secretFields = new Set(manifest.settings?.secrets ?? [])
    this.#validator = manifest.settings ? vine.create(manifest.settings.schema) : null
  }

  get hasForm() {
    return Boolean(this.manifest.settings && Object.keys(this.manifest.settings.fields).length)
  }

  get fields(): [string, SettingsField][] {
    return Object.entries(this.manifest.settings?.fields ?? {})
  }

  merge(settings: Values, secrets: Values): Values {
    return { ...(this.manifest.settings?.defaults ?? {}), ...settings, ...secrets }
  }

  encrypt(secrets: Values): string | null {
    return Object.keys(secrets).length
      ? encryption.encrypt(secrets, { purpose: purpose(this.manifest.key) })
      : null
  }

  /** Null when the ciphertext cannot be read (the APP_KEY changed). */
  decrypt(cipher: string | null): Values | null {
    if (!cipher) return {}
    return encryption.decrypt<Values>(cipher, purpose(this.manifest.key))
  }

  /**
   * Validates a submission against the plugin's schema. Blank secrets keep
   * their saved value; unchecked booleans are false. Throws VineJS's
   * validation error (nothing is saved), else returns what to store.
   */
  async validate(
    submission: SettingsSubmission,
    currentSecrets: Values,
    messagesProvider?: MessagesProviderContact
  ) {
    if (!this.#validator) return { settings: {}, secrets: {}, changedSecrets: [] as string[] }
    const data: Values = {}
    const changedSecrets: string[] = []
    for (const [name, field] of this.fields) {
      const raw = submission.values[name]
      if (this.secretFields.has(name)) {
        const blank = raw === undefined || raw === null || raw === ''
        if (submission.clear?.includes(name)) {
          if (currentSecrets[name] !== undefined) changedSecrets.push(name)
        } else if (blank) {
          data[name] = currentSecrets[name]
        } else {
          data[name] = raw
          changedSecrets.push(name)
        }
      } else if (field.type === 'boolean') {
        data[name] = raw === undefined || raw === null ? false : raw
      } else {
        data[name] = raw ?? undefined
      }
    }
    const output = (await this.#validator.validate(data, { messagesProvider })) as Values
    const settings: Values = {}
    const secrets: Values = {}
    for (const [name, value] of Object.entries(output)) {
      if (value === undefined) continue
      if (this.secretFields.has(name)) secrets[name] = value
      else settings[name] = value
    }
    return { settings, secrets, changedSecrets }
  }
}

/**
 * Validation messages for a plugin's form: the core's translated messages,
 * with the field named by the manifest's label in the user's language.
 */
export function pluginMessagesProvider(
  inner: MessagesProviderContact,
  manifest: PluginManifest,
  locale: string
): MessagesProviderContact {
  const labelOf = (name: string) => {
    const field = manifest.settings?.fields[name]
    return field ? (locale === 'en' ? field.label.en : field.label.es) : name
  }
  return {
    getMessage(defaultMessage, rule, field, meta) {
      const named = Object.create(field)
      named.name = labelOf(field.name as string)
      return inner.getMessage(defaultMessage, rule, named, meta)
    },
  }
}
