import vine from '@vinejs/vine'
import { TRANSFER_STATES } from '#services/transfer_history'

const id = () => vine.number().withoutDecimals().positive()

/** A transfer request or a direct transfer: one target (an agent or a department) and why. */
export const transferValidator = vine.create({
  targetType: vine.enum(['user', 'department'] as const),
  targetUserId: id().optional().requiredWhen('targetType', '=', 'user'),
  targetDepartmentId: id().optional().requiredWhen('targetType', '=', 'department'),
  reason: vine.string().trim().minLength(3).maxLength(1000),
})

export const transferDecisionValidator = vine.create({
  note: vine.string().trim().maxLength(500).optional(),
})

/** The history page's query string (messages from filters.json, like the log pages). */
export const transferFiltersValidator = vine.create({
  state: vine.enum(TRANSFER_STATES).optional(),
  agent: id().optional(),
  conversation: id().optional(),
  from: vine.date({ formats: ['YYYY-MM-DD'] }).optional(),
  to: vine
    .date({ formats: ['YYYY-MM-DD'] })
    .afterOrSameAs('from')
    .optional(),
  before: id().optional(),
})
