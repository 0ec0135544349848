import vine from '@vinejs/vine'
import { PRESENCE_STATUSES } from '#services/routing/agent_presence'

/** The agent's own availability (header control). */
export const presenceValidator = vine.create({
  status: vine.enum(PRESENCE_STATUSES),
})

/** Per-connection routing rules (Routing → connection). */
export const routingRuleValidator = vine.create({
  autoAssign: vine.boolean().optional(),
  responsibleFirst: vine.boolean().optional(),
  fallbackToPool: vine.boolean().optional(),
  maxOpenPerAgent: vine.number().withoutDecimals().min(1).max(500).optional(),
  knownClientsOnly: vine.boolean().optional(),
  unknownSenderMessage: vine.string().trim().maxLength(1000).optional(),
  unownedAgentIds: vine.array(vine.number().withoutDecimals().positive()).optional(),
})

/** One row of "who also receives whose clients". */
export const delegationValidator = vine.create({
  ownerUserId: vine.number().withoutDecimals().positive(),
  delegateUserId: vine.number().withoutDecimals().positive(),
})

/** The organization-wide idle limit (Routing page, admins). */
export const presenceSettingsValidator = vine.create({
  idleMinutes: vine.number().withoutDecimals().min(1).max(720),
})

/** Per-agent limits (Routing page): an empty limit falls back to each connection's. */
export const agentLimitsValidator = vine.create({
  agents: vine.array(
    vine.object({
      userId: vine.number().withoutDecimals().positive(),
      maxOpen: vine.number().withoutDecimals().min(1).max(500).nullable().optional(),
    })
  ),
})
