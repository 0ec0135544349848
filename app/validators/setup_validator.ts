import vine from '@vinejs/vine'

export const setupValidator = vine.create({
  organizationName: vine.string().trim().minLength(2).maxLength(160),
  defaultCountryCode: vine.string().trim().toUpperCase().fixedLength(2).alpha(),
  defaultLocale: vine.enum(['es', 'en']),
  fullName: vine.string().trim().minLength(2).maxLength(160),
  email: vine.string().trim().email().maxLength(254),
  password: vine
    .string()
    .minLength(8)
    .maxLength(128)
    .confirmed({ confirmationField: 'passwordConfirmation' }),
})
