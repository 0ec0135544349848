import vine from '@vinejs/vine'

export const roleValidator = vine.create({
  name: vine.string().trim().minLength(2).maxLength(120),
  description: vine.string().trim().maxLength(255).nullable().optional(),
})

export const roleStatusValidator = vine.create({
  isActive: vine.boolean(),
})

/**
 * The whole matrix in one submit: `roles[]` lists the role columns shown (so a
 * column with every box unticked still counts), `grants[]` holds
 * "roleId:permissionKey" for each ticked box.
 */
export const permissionMatrixValidator = vine.create({
  roles: vine.array(vine.number()).minLength(1),
  grants: vine.array(vine.string().regex(/^\d+:[\w.-]+$/)).optional(),
})
