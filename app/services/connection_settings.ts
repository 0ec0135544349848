import db from '@adonisjs/lucid/services/db'
import type { Infer } from '@vinejs/vine/types'
import Connection, { type BusinessHours } from '#models/connection'
import Department from '#models/department'
import User from '#models/user'
import auditTrail from '#services/audit_trail'
import { WEEK_DAYS, type connectionSettingsValidator } from '#validators/connection_validator'

export type ConnectionSettingsInput = Infer<typeof connectionSettingsValidator>

/**
 * A connection's own settings: automatic messages, business hours, default
 * department and the agents who serve it. Unknown departments and users
 * are dropped (a stale form never points at a deleted row). Audited.
 */
export class ConnectionSettings {
  async update(
    actor: { id: number; ip?: string | null },
    connectionId: number,
    input: ConnectionSettingsInput
  ) {
    return db.transaction(async (trx) => {
      const connection = await Connection.query({ client: trx })
        .where('id', connectionId)
        .forUpdate()
        .firstOrFail()
      const before = await this.#snapshot(connection, trx)

      const department = input.defaultDepartmentId
        ? await Department.query({ client: trx }).where('id', input.defaultDepartmentId).first()
        : null
      const agents = input.agentIds?.length
        ? await User.query({ client: trx }).whereIn('id', input.agentIds).select('id')
        : []

      connection.merge({
        welcomeMessage: input.welcomeMessage || null,
        farewellMessage: input.farewellMessage || null,
        outOfHoursMessage: input.outOfHoursMessage || null,
        defaultDepartmentId: department?.id ?? null,
        businessHours: this.#hours(input.hours),
        newContactsPerHour: input.newContactsPerHour ?? null,
        newContactsPerDay: input.newContactsPerDay ?? null,
      })
      await connection.useTransaction(trx).save()
      await connection.related('agents').sync(agents.map((agent) => agent.id))

      await auditTrail.record(
        {
          actorId: actor.id,
          action: 'connection.settings_updated',
          subjectType: 'connection',
          subjectId: connection.id,
          before,
          after: await this.#snapshot(connection, trx),
          ip: actor.ip ?? null,
        },
        trx
      )
      return connection
    })
  }

  #hours(hours: ConnectionSettingsInput['hours']): BusinessHours | null {
    if (!hours) return null
    const days: BusinessHours['days'] = {}
    for (const day of WEEK_DAYS) {
      const range = (hours as Record<string, { from?: string; to?: string }>)[day]
      if (range?.from && range?.to) days[day] = [{ from: range.from, to: range.to }]
    }
    return Object.keys(days).length ? { days } : null
  }

  async #snapshot(connection: Connection, trx: any) {
    const agents = await db
      .from('connection_agents')
      .useTransaction(trx)
      .where('connection_id', connection.id)
      .orderBy('user_id')
      .select('user_id')
    return {
      welcomeMessage: connection.welcomeMessage,
      farewellMessage: connection.farewellMessage,
      outOfHoursMessage: connection.outOfHoursMessage,
      defaultDepartmentId: connection.defaultDepartmentId,
      businessHours: connection.businessHours,
      newContactsPerHour: connection.newContactsPerHour,
      newContactsPerDay: connection.newContactsPerDay,
      agentIds: agents.map((row) => Number(row.user_id)),
    }
  }
}

export default new ConnectionSettings()
