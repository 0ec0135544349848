import vine from '@vinejs/vine'

/*
| The dashboard's date range, read from the query string (messages from
| resources/lang/<locale>/filters.json, like the log pages). The longest
| range is a business rule checked by DashboardRange.
*/
export const dashboardRangeValidator = vine.create({
  from: vine.date({ formats: ['YYYY-MM-DD'] }).optional(),
  to: vine
    .date({ formats: ['YYYY-MM-DD'] })
    .afterOrSameAs('from')
    .optional(),
})
