import vine from '@vinejs/vine'

/**
 * The shortcut is typed after `/` in the composer: lowercase letters, digits,
 * `-` and `_`, no spaces. Uniqueness and the {{variables}} of the body are
 * checked by QuickReplyManagement.
 */
export const quickReplyValidator = vine.create({
  shortcut: vine
    .string()
    .trim()
    .toLowerCase()
    .maxLength(40)
    .regex(/^[a-z0-9][a-z0-9_-]*$/),
  title: vine.string().trim().minLength(1).maxLength(120),
  body: vine.string().trim().minLength(1).maxLength(4000),
})

export const quickReplyStatusValidator = vine.create({
  isActive: vine.boolean(),
})
