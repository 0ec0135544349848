import vine from '@vinejs/vine'

export const newConnectionValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(120),
})

export const pairingCodeValidator = vine.create({
  phone: vine
    .string()
    .trim()
    .regex(/^\+?[\d\s().-]{8,24}$/),
})

export const groupsValidator = vine.create({
  enabled: vine.boolean().optional(),
})
