import vine from '@vinejs/vine'

export const templateSendValidator = vine.create({
  templateId: vine.string().trim().minLength(1).maxLength(64),
  parameters: vine.array(vine.string().trim().maxLength(1024).optional()).maxLength(20).optional(),
  templateClientId: vine.string().trim().maxLength(64).optional(),
})

/** The live preview of a template being filled in (nothing is sent). */
export const templatePreviewValidator = vine.create({
  previewTemplateId: vine.string().trim().minLength(1).maxLength(64),
  parameters: vine.array(vine.string().trim().maxLength(1024).optional()).maxLength(20).optional(),
})
