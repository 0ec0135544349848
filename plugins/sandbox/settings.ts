import vine from '@vinejs/vine'

/** Plugin-wide sandbox settings (Settings → Plugins → Sandbox). */
export const sandboxSettingsSchema = vine.object({
  deliveryDelayMs: vine.number().withoutDecimals().min(0).max(60_000),
  callTimeoutSeconds: vine.number().withoutDecimals().min(1).max(600),
})
