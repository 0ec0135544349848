import type { Infer } from '@vinejs/vine/types'
import type { PluginContext } from '#plugin_host/contract'
import type { baileysSettingsSchema } from './settings.js'

export type BaileysContext = PluginContext<Infer<typeof baileysSettingsSchema>>

/**
 * The context the host gave the plugin in register(); sessions, handlers and
 * the driver reach the core only through its ports.
 */
let current: BaileysContext | null = null

export function setBaileysContext(ctx: BaileysContext) {
  current = ctx
}

export function baileysContext(): BaileysContext {
  if (!current) throw new Error('The baileys plugin is not registered')
  return current
}
