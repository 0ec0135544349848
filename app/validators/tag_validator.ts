import vine from '@vinejs/vine'

/** Name uniqueness (case-insensitive) is checked by TagManagement against the database. */
export const tagValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(80),
  color: vine
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{6}$/),
  description: vine.string().trim().maxLength(255).nullable().optional(),
  roleIds: vine.array(vine.number()).optional(),
})

export const tagStatusValidator = vine.create({
  isActive: vine.boolean(),
})
