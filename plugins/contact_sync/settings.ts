import vine from '@vinejs/vine'

/** One mapping per line, `crm_field=chasqui_field`, Chasqui fields from CRM_FIELDS. */
export const FIELD_MAP_PATTERN =
  /^\s*(?:[A-Za-z_][\w.-]*\s*=\s*(?:id|name|phone|waId|lid|photo|holder|document|createdAt|updatedAt)\s*(?:\r?\n\s*|$))*$/

/** Settings → Plugins → Contact sync. */
export const contactSyncSettingsSchema = vine.object({
  createContacts: vine.boolean(),
  historyDays: vine.number().withoutDecimals().min(0).max(365),
  crmUrl: vine
    .string()
    .trim()
    .url({ require_protocol: true, require_tld: false, protocols: ['http', 'https'] })
    .optional(),
  crmToken: vine.string().trim().maxLength(500).optional(),
  crmFieldMap: vine.string().trim().maxLength(2000).regex(FIELD_MAP_PATTERN).optional(),
})
