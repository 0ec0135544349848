import db from '@adonisjs/lucid/services/db'
import { getCountryCallingCode } from 'libphonenumber-js'
import Organization from '#models/organization'
import auditTrail from '#services/audit_trail'
import type { Actor } from '#services/user_management'
import { RuleViolationException } from '#exceptions/rule_violation_exception'
import { supportedCountries, supportedTimezones } from '#validators/organization_validator'

export interface OrganizationInput {
  name: string
  defaultCountryCode: string
  defaultLocale: 'es' | 'en'
  timezone: string
}

/** The install's global settings (name, phone country, language, time zone); audited. */
export class OrganizationSettings {
  async update(actor: Actor, input: OrganizationInput) {
    return db.transaction(async (trx) => {
      const organization = await Organization.query({ client: trx })
        .orderBy('id')
        .forUpdate()
        .first()
      if (!organization) throw new RuleViolationException('settings.organization.errors.missing')
      const before = snapshot(organization)
      organization.merge(input)
      await organization.save()
      const after = snapshot(organization)
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        await auditTrail.record(
          {
            actorId: actor?.user.id ?? null,
            action: 'organization.updated',
            subjectType: 'organization',
            subjectId: organization.id,
            before,
            after,
            ip: actor?.ip ?? null,
          },
          trx
        )
      }
      return organization
    })
  }

  /**
   * An install set up from the command line (`user:create` before anyone
   * opened /setup) gets the same default organization as a Docker install
   * from CHASQUI_ADMIN_*, so the setup page does not wait for it forever.
   */
  async ensureExists() {
    return (
      (await Organization.current()) ??
      (await Organization.create({
        name: 'Chasqui',
        defaultCountryCode: 'EC',
        defaultLocale: 'es',
        timezone: 'America/Guayaquil',
      }))
    )
  }

  /** "Ecuador (+593)", in the reader's language, sorted by name. */
  countryOptions(locale: string) {
    const names = new Intl.DisplayNames([locale], { type: 'region' })
    return supportedCountries
      .map((code) => ({
        value: code,
        label: `${names.of(code) ?? code} (+${getCountryCallingCode(code)})`,
      }))
      .sort((a, b) => a.label.localeCompare(b.label, locale))
  }

  timezoneOptions() {
    return supportedTimezones.map((zone) => ({ value: zone, label: zone.replaceAll('_', ' ') }))
  }
}

function snapshot(organization: Organization) {
  return {
    name: organization.name,
    defaultCountryCode: organization.defaultCountryCode,
    defaultLocale: organization.defaultLocale,
    timezone: organization.timezone,
  }
}

export default new OrganizationSettings()
