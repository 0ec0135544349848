import vine from '@vinejs/vine'

/*
| Filters of the log pages, read from the query string. Messages come from
| resources/lang/<locale>/filters.json (see #services/log_filters).
*/
const day = () => vine.date({ formats: ['YYYY-MM-DD'] }).optional()
const cursor = () => vine.number().withoutDecimals().positive().optional()

export const systemEventFiltersValidator = vine.create({
  level: vine.enum(['info', 'warning', 'critical']).optional(),
  category: vine.string().trim().maxLength(60).optional(),
  source: vine.string().trim().maxLength(60).optional(),
  q: vine.string().trim().maxLength(200).optional(),
  from: day(),
  to: vine
    .date({ formats: ['YYYY-MM-DD'] })
    .afterOrSameAs('from')
    .optional(),
  before: cursor(),
})

export const auditFiltersValidator = vine.create({
  actor: vine.number().withoutDecimals().positive().optional(),
  action: vine.string().trim().maxLength(80).optional(),
  from: day(),
  to: vine
    .date({ formats: ['YYYY-MM-DD'] })
    .afterOrSameAs('from')
    .optional(),
  before: cursor(),
})

export const notificationPageValidator = vine.create({
  before: cursor(),
})
