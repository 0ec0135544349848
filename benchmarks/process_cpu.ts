import { readFileSync } from 'node:fs'
import db from '@adonisjs/lucid/services/db'

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const CLOCK_TICKS = 100

/**
 * CPU time (ms) used so far by the PostgreSQL backends serving this
 * database, read from /proc (embedded or local server only; a remote
 * server's backends are left out). On a shared machine, CPU per operation
 * says more about the code than wall-clock time, which mostly measures
 * the neighbours.
 */
export async function backendCpuMs(): Promise<number> {
  // The sampling backend is counted too: it is a pooled connection, and with sequential
  // requests it is usually the very one that served them (its own query costs ~0.1 ms).
  const rows = await db.rawQuery(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()'
  )
  let total = 0
  for (const { pid } of rows.rows as { pid: number }[]) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      // utime and stime: fields 14 and 15 of stat (11 and 12 after the command).
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
    } catch {
      // the backend is gone, or not on this machine
    }
  }
  return total
}

/** This Node process's CPU time so far (user + system), in ms. */
export function nodeCpuMs() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
