import vine from '@vinejs/vine'

const id = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{5,30}$/)

/** A new Meta number: every credential is required. */
export const numberCreateValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(120),
  phoneNumberId: id(),
  wabaId: id(),
  accessToken: vine.string().trim().minLength(10).maxLength(1000),
  appSecret: vine.string().trim().minLength(8).maxLength(200),
  verifyToken: vine.string().trim().minLength(8).maxLength(200),
  markRead: vine.boolean().optional(),
})

/** Editing: blank secrets keep the saved ones. */
export const numberUpdateValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(120),
  phoneNumberId: id(),
  wabaId: id(),
  accessToken: vine.string().trim().minLength(10).maxLength(1000).optional(),
  appSecret: vine.string().trim().minLength(8).maxLength(200).optional(),
  verifyToken: vine.string().trim().minLength(8).maxLength(200),
  markRead: vine.boolean().optional(),
})

/** Fields a failed form may flash back: never the secrets. */
export const NON_SECRET_FIELDS = ['name', 'phoneNumberId', 'wabaId', 'verifyToken', 'markRead']
