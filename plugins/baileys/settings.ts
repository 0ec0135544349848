import vine from '@vinejs/vine'

/** Plugin-wide Baileys settings (Settings → Plugins → WhatsApp by QR). */
export const baileysSettingsSchema = vine.object({
  newContactsPerHour: vine.number().withoutDecimals().min(1).max(10_000),
  newContactsPerDay: vine.number().withoutDecimals().min(1).max(100_000),
})

export const BAILEYS_SETTINGS_DEFAULTS = { newContactsPerHour: 20, newContactsPerDay: 100 }
