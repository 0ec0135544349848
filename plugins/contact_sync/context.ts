import type { PluginContext } from '#plugin_host/contract'
import type { Infer } from '@vinejs/vine/types'
import type { contactSyncSettingsSchema } from './settings.js'

export type ContactSyncContext = PluginContext<Infer<typeof contactSyncSettingsSchema>>
