import vine from '@vinejs/vine'

export const loginValidator = vine.create({
  email: vine.string().trim().email(),
  password: vine.string(),
})

export const passwordChangeValidator = vine.create({
  currentPassword: vine.string(),
  password: vine
    .string()
    .minLength(8)
    .maxLength(128)
    .confirmed({ confirmationField: 'passwordConfirmation' }),
})
