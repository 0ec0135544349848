import vine from '@vinejs/vine'
import { CONVERSATION_STATES } from '#models/conversation'

/** The chat list's query string: tray, search, filters and the keyset cursor. */
export const inboxFiltersValidator = vine.create({
  state: vine.enum(CONVERSATION_STATES).optional(),
  q: vine.string().trim().maxLength(100).optional(),
  agent: vine
    .string()
    .regex(/^(none|\d+)$/)
    .optional(),
  tag: vine.number().withoutDecimals().positive().optional(),
  connection: vine.number().withoutDecimals().positive().optional(),
  department: vine.number().withoutDecimals().positive().optional(),
  cursor: vine.string().maxLength(200).optional(),
})

/** The composer. Message rules (empty, links, length) are the MessageComposer's. */
export const composeValidator = vine.create({
  clientId: vine.string().trim().maxLength(64).optional(),
  mode: vine.enum(['text', 'note'] as const).optional(),
  body: vine.string().maxLength(20000).optional(),
  /** An upload token (POST /media/uploads); checked and claimed by the MessageComposer. */
  mediaToken: vine.string().trim().maxLength(64).optional(),
})

export const assignmentValidator = vine.create({
  /** Empty = unassign. */
  userId: vine.number().withoutDecimals().positive().optional(),
})

export const timelineValidator = vine.create({
  before: vine.string().maxLength(200).optional(),
})
