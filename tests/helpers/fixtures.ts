import db from '@adonisjs/lucid/services/db'
import Organization from '#models/organization'
import Role from '#models/role'
import User from '#models/user'
import setupState from '#services/setup_state'
import bootstrapper from '#services/install_bootstrapper'
import pluginHost from '#plugin_host/plugin_host'

/**
 * Empties every table (as on a fresh install) and re-seeds roles and
 * permissions. Call from `group.each.setup`.
 */
export async function resetDatabase() {
  const tables = await db
    .from('pg_tables')
    .where('schemaname', 'public')
    .whereNotIn('tablename', ['adonis_schema', 'adonis_schema_versions'])
    .select('tablename')
  if (tables.length) {
    const truncate = `TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`
    // Work the previous test left running (a listener, a call's ringing timer) may still be writing:
    // TRUNCATE locks every table, so it can deadlock with that straggler. PostgreSQL cancels one of
    // the two; when it is us, try again once the straggler is done.
    for (let attempt = 1; ; attempt++) {
      try {
        await db.rawQuery(truncate)
        break
      } catch (error) {
        if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
      }
    }
  }
  setupState.reset()
  await bootstrapper.run()
  // plugin_states is empty again: stop the plugins a previous test enabled.
  await pluginHost.reloadStates()
}

/** An install past setup: the organization exists. */
export async function createOrganization(overrides: Partial<Organization> = {}) {
  return Organization.create({
    name: 'Cooperativa Andina',
    defaultCountryCode: 'EC',
    defaultLocale: 'es',
    timezone: 'America/Guayaquil',
    ...overrides,
  })
}

let sequence = 0

export async function createUser(
  role: 'admin' | 'supervisor' | 'agent' | string = 'agent',
  overrides: Partial<Pick<User, 'fullName' | 'email' | 'password' | 'isActive' | 'locale'>> = {}
) {
  if (!(await Organization.current())) await createOrganization()
  const roleRow = await Role.findByOrFail('key', role)
  sequence += 1
  return User.create({
    fullName: `${role} ${sequence}`,
    email: `${role}${sequence}@example.com`,
    password: 'secret-pass',
    roleId: roleRow.id,
    isActive: true,
    ...overrides,
  })
}
