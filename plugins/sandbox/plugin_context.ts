import type { Infer } from '@vinejs/vine/types'
import type { PluginContext } from '#plugin_host/contract'
import type { sandboxSettingsSchema } from './settings.js'

export type SandboxContext = PluginContext<Infer<typeof sandboxSettingsSchema>>

/**
 * The context the host gave the sandbox in register(). Its ace commands run
 * without the plugin running (as every command), so they reach the core
 * through this context's ports too.
 */
let current: SandboxContext | null = null

export function setSandboxContext(ctx: SandboxContext) {
  current = ctx
}

export function sandboxContext(): SandboxContext {
  if (!current) throw new Error('The sandbox plugin is not registered')
  return current
}
