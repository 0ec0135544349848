import vine from '@vinejs/vine'

const time = () =>
  vine
    .string()
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .optional()

const message = () => vine.string().trim().maxLength(1000).optional()

export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

/** Per-connection settings (Connections → edit). A day without both times is closed. */
export const connectionSettingsValidator = vine.create({
  welcomeMessage: message(),
  farewellMessage: message(),
  outOfHoursMessage: message(),
  defaultDepartmentId: vine.number().withoutDecimals().positive().optional(),
  agentIds: vine.array(vine.number().withoutDecimals().positive()).optional(),
  newContactsPerHour: vine.number().withoutDecimals().min(1).max(10000).optional(),
  newContactsPerDay: vine.number().withoutDecimals().min(1).max(100000).optional(),
  hours: vine
    .object(
      Object.fromEntries(
        WEEK_DAYS.map((day) => [day, vine.object({ from: time(), to: time() }).optional()])
      )
    )
    .optional(),
})
