import vine from '@vinejs/vine'

/** Plugin-wide settings (Settings → Plugins → Meta): where the Graph API is and how fast to send. */
export const metaSettingsSchema = vine.object({
  graphApiBaseUrl: vine.string().trim().url({ require_tld: false, require_protocol: true }),
  graphApiVersion: vine
    .string()
    .trim()
    .regex(/^v\d+\.\d+$/),
  ratePerSecond: vine.number().withoutDecimals().min(1).max(1000),
  publicBaseUrl: vine
    .string()
    .trim()
    .url({ require_tld: false, require_protocol: true })
    .optional(),
})

export const META_DEFAULTS = {
  graphApiBaseUrl: 'https://graph.facebook.com',
  graphApiVersion: 'v23.0',
  ratePerSecond: 80,
}
