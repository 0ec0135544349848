/*
| Edge globals shared by every template.
*/
import edge from 'edge.js'
import { DateTime } from 'luxon'

edge.global('formatDateTime', (value: DateTime | null | undefined, locale = 'es') => {
  if (!value) return ''
  return value.setLocale(locale).toLocaleString(DateTime.DATETIME_SHORT)
})
edge.global('json', (value: unknown) => JSON.stringify(value))
