import type { Infer } from '@vinejs/vine/types'
import type { PluginContext } from '#plugin_host/contract'
import type { metaSettingsSchema } from './settings.js'

export type MetaSettings = Infer<typeof metaSettingsSchema>
export type MetaContext = PluginContext<MetaSettings>

/**
 * The context the host gave the plugin in register(); its ace commands run
 * without the plugin running and reach the core through its ports too.
 */
let current: MetaContext | null = null

export function setMetaContext(ctx: MetaContext) {
  current = ctx
}

export function metaContext(): MetaContext {
  if (!current) throw new Error('The meta_cloud plugin is not registered')
  return current
}
