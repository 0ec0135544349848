import vine from '@vinejs/vine'

/** What an administrator can set for the hello plugin (Settings → Plugins → Hello). */
export const helloSettingsSchema = vine.object({
  greeting: vine.string().trim().minLength(2).maxLength(80),
  tone: vine.enum(['friendly', 'formal']),
  repeat: vine.number().withoutDecimals().min(1).max(5),
  shout: vine.boolean(),
  apiToken: vine.string().trim().minLength(8).maxLength(200).optional(),
})
