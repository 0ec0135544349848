import vine from '@vinejs/vine'

export const customerValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(120),
  phone: vine
    .string()
    .trim()
    .regex(/^\+?[\d\s().-]{6,24}$/),
})

/** A text, or a file (multipart `file`, checked by the core's media policy) with an optional caption. */
export const customerMessageValidator = vine.create({
  customer: vine.number().withoutDecimals().positive(),
  text: vine.string().trim().maxLength(4096).optional(),
})

export const failureValidator = vine.create({
  mode: vine.enum(['none', 'retryable', 'fatal']),
})

/** "Llamar" (voice) or "Videollamada" (video=1) on a customer's chat. */
export const callValidator = vine.create({
  customer: vine.number().withoutDecimals().positive(),
  video: vine.boolean().optional(),
})

/** A new sandbox line from /sandbox. */
export const lineValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(80),
})
