import vine, { VineObject, errors as vineErrors } from '@vinejs/vine'
import semver from 'semver'
import type { PluginDefinition, PluginManifest } from '#plugin_host/contract'
import { PluginBootError } from '#plugin_host/plugin_errors'

export const PLUGIN_KEY_PATTERN = /^[a-z][a-z0-9_]{1,39}$/

const translated = () =>
  vine.object({ es: vine.string().minLength(1), en: vine.string().minLength(1) })

const fieldTypes = ['text', 'password', 'number', 'boolean', 'select', 'textarea', 'url'] as const

/** The manifest's shape; the checks below add what a schema cannot say. */
const manifestShape = vine.create(
  vine.object({
    key: vine.string().regex(PLUGIN_KEY_PATTERN),
    name: translated(),
    description: translated(),
    version: vine.string(),
    kind: vine.enum(['channel', 'feature']),
    coreVersion: vine.string(),
    dependencies: vine
      .array(
        vine.unionOfTypes([
          vine.string(),
          vine.object({ key: vine.string(), version: vine.string() }),
        ])
      )
      .optional(),
    settings: vine
      .object({
        schema: vine.any(),
        defaults: vine.record(vine.any()).optional(),
        secrets: vine.array(vine.string()).optional(),
        fields: vine.record(
          vine.object({
            label: translated(),
            type: vine.enum(fieldTypes),
            options: vine
              .array(vine.object({ value: vine.string(), label: translated() }))
              .optional(),
            help: translated().optional(),
            required: vine.boolean().optional(),
          })
        ),
      })
      .optional(),
    permissions: vine
      .array(
        vine.object({
          key: vine.string(),
          group: vine.string(),
          label: translated(),
          defaults: vine.array(vine.enum(['admin', 'supervisor', 'agent'])),
        })
      )
      .optional(),
    nav: vine
      .array(
        vine.object({
          key: vine.string(),
          label: translated(),
          href: vine.string().startsWith('/'),
          icon: vine.string().optional(),
          permissions: vine.array(vine.string()).optional(),
          order: vine.number().optional(),
        })
      )
      .optional(),
    events: vine.array(vine.string()).optional(),
  })
)

export interface NormalizedDependency {
  key: string
  range: string
}

/** Name a plugin in an error even when its manifest is broken. */
export function describeEntry(definition: unknown, index: number) {
  const key = (definition as PluginDefinition | undefined)?.manifest?.key
  return typeof key === 'string' && key ? key : `#${index + 1} in config/plugins.ts`
}

/**
 * Checks one definition and returns its manifest, or throws a PluginBootError
 * naming the plugin and saying what is wrong.
 */
export async function checkDefinition(definition: unknown, index: number): Promise<PluginManifest> {
  const name = describeEntry(definition, index)
  if (!definition || typeof definition !== 'object' || !('manifest' in definition)) {
    throw new PluginBootError(name, 'the module must default-export definePlugin({ manifest, … })')
  }
  const manifest = (definition as PluginDefinition).manifest
  try {
    await manifestShape.validate(manifest)
  } catch (error) {
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      const first = (error.messages as { field: string; message: string }[])[0]
      throw new PluginBootError(name, `invalid manifest: ${first.field}: ${first.message}`)
    }
    throw error
  }

  const fail = (reason: string) => {
    throw new PluginBootError(name, `invalid manifest: ${reason}`)
  }
  if (!semver.valid(manifest.version)) fail(`version "${manifest.version}" is not semver`)
  if (!semver.validRange(manifest.coreVersion))
    fail(`coreVersion "${manifest.coreVersion}" is not a semver range`)
  for (const dependency of normalizeDependencies(manifest)) {
    if (!semver.validRange(dependency.range))
      fail(`dependency ${dependency.key} has no valid version range`)
  }
  for (const permission of manifest.permissions ?? []) {
    if (!permission.key.startsWith(`${manifest.key}.`)) {
      fail(`permission "${permission.key}" must start with "${manifest.key}."`)
    }
  }
  for (const hook of ['register', 'activate', 'deactivate', 'onSettingsChanged'] as const) {
    const value = (definition as PluginDefinition)[hook]
    if (value !== undefined && typeof value !== 'function') fail(`${hook} must be a function`)
  }
  checkSettings(manifest, fail)
  return manifest
}

function checkSettings(manifest: PluginManifest, fail: (reason: string) => never) {
  const settings = manifest.settings
  if (!settings) return
  if (!(settings.schema instanceof VineObject))
    fail('settings.schema must be a vine.object() schema')
  const properties = Object.keys(settings.schema.getProperties())
  const fields = Object.keys(settings.fields)
  for (const property of properties) {
    if (!fields.includes(property))
      fail(`settings field "${property}" has no entry in settings.fields`)
  }
  for (const field of fields) {
    if (!properties.includes(field)) fail(`settings.fields.${field} is not in the settings schema`)
    const spec = settings.fields[field]
    if (spec.type === 'select' && !spec.options?.length)
      fail(`settings.fields.${field} is a select without options`)
  }
  for (const secret of settings.secrets ?? []) {
    if (!fields.includes(secret)) fail(`secret "${secret}" is not a settings field`)
  }
  for (const field of Object.keys(settings.defaults ?? {})) {
    if (!fields.includes(field)) fail(`default "${field}" is not a settings field`)
  }
}

export function normalizeDependencies(manifest: PluginManifest): NormalizedDependency[] {
  return (manifest.dependencies ?? []).map((dependency) =>
    typeof dependency === 'string'
      ? { key: dependency, range: '*' }
      : { key: dependency.key, range: dependency.version }
  )
}
