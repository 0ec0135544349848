import db from '@adonisjs/lucid/services/db'
import Organization from '#models/organization'
import Role from '#models/role'
import User from '#models/user'
import setupState from '#services/setup_state'
import auditTrail from '#services/audit_trail'

export interface SetupInput {
  organizationName: string
  defaultCountryCode: string
  defaultLocale: 'es' | 'en'
  fullName: string
  email: string
  password: string
}

/**
 * Creates the organization and the first administrator in one transaction.
 * Returns null when another request completed setup first (two browsers on a
 * fresh install): setup happens exactly once.
 */
export class InstallSetup {
  async complete(input: SetupInput) {
    return db.transaction(async (trx) => {
      // Serializes concurrent setup attempts.
      await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtext(?))', ['chasqui:setup'])
      const existing = await trx.from('users').select('id').limit(1).first()
      if (existing) return null

      await Organization.create(
        {
          name: input.organizationName,
          defaultCountryCode: input.defaultCountryCode,
          defaultLocale: input.defaultLocale,
          timezone: 'America/Guayaquil',
        },
        { client: trx }
      )
      const adminRole = await Role.query({ client: trx }).where('key', Role.ADMIN).firstOrFail()
      const admin = await User.create(
        {
          fullName: input.fullName,
          email: input.email,
          password: input.password,
          roleId: adminRole.id,
          locale: input.defaultLocale,
          isActive: true,
        },
        { client: trx }
      )
      await auditTrail.record(
        {
          actorId: admin.id,
          action: 'setup.completed',
          subjectType: 'organization',
          after: { name: input.organizationName },
        },
        trx
      )
      setupState.reset()
      return admin
    })
  }
}

export default new InstallSetup()
