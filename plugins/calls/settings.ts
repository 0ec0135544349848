import vine from '@vinejs/vine'

/** Settings → Plugins → Calls. */
export const callsSettingsSchema = vine.object({
  notifyAgent: vine.boolean(),
  autoReject: vine.boolean(),
  rejectMessage: vine.string().trim().maxLength(1000).optional(),
})
