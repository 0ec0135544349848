import vine from '@vinejs/vine'
import { getCountries } from 'libphonenumber-js'

/** ICU's canonical zones plus UTC, which ICU lists only as an alias. */
export const supportedTimezones = [...Intl.supportedValuesOf('timeZone'), 'UTC']
/** Countries known to the phone-number library: numbers are normalized with this default. */
export const supportedCountries = getCountries()

export const organizationSettingsValidator = vine.create({
  name: vine.string().trim().minLength(2).maxLength(160),
  defaultCountryCode: vine.enum(supportedCountries),
  defaultLocale: vine.enum(['es', 'en'] as const),
  timezone: vine.enum(supportedTimezones),
})
