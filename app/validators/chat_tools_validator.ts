import vine from '@vinejs/vine'

/** A tag put on a chat or a message; whether it may be used is the service's question. */
export const tagChoiceValidator = vine.create({
  tagId: vine.number().withoutDecimals().positive(),
})

/** What follows `/` in the composer. */
export const quickReplyQueryValidator = vine.create({
  q: vine.string().trim().maxLength(60).optional(),
})
