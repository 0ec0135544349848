import vine from '@vinejs/vine'

/*
| The rules of a user's fields, shared by the users page and the
| `user:create` / `user:reset-password` ace commands so both accept the same
| input. Uniqueness of the email is checked by UserManagement (it needs the
| database and must hold under concurrent requests).
*/
export const fullNameRule = () => vine.string().trim().minLength(2).maxLength(160)
export const emailRule = () => vine.string().trim().email().maxLength(254).toLowerCase()
export const newPasswordRule = () => vine.string().minLength(8).maxLength(128)
export const localeRule = () => vine.enum(['es', 'en'] as const)

export const createUserValidator = vine.create({
  fullName: fullNameRule(),
  email: emailRule(),
  roleId: vine.number(),
  locale: localeRule(),
  password: newPasswordRule().confirmed({ confirmationField: 'passwordConfirmation' }),
})

export const updateUserValidator = vine.create({
  fullName: fullNameRule(),
  email: emailRule(),
  roleId: vine.number(),
  locale: localeRule(),
})

export const resetUserPasswordValidator = vine.create({
  password: newPasswordRule().confirmed({ confirmationField: 'passwordConfirmation' }),
})

export const userStatusValidator = vine.create({
  isActive: vine.boolean(),
})

/** `user:create` names the role by key instead of id and has no confirmation field. */
export const userCommandValidator = vine.create({
  fullName: fullNameRule(),
  email: emailRule(),
  role: vine.string().trim().minLength(1).maxLength(60),
  password: newPasswordRule(),
  locale: localeRule().optional(),
})

export const passwordCommandValidator = vine.create({
  email: emailRule(),
  password: newPasswordRule(),
})
