import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type db from '@adonisjs/lucid/services/db'

/**
 * A "known client" (R-INT-5, seed 004 §1) is a contact linked to an active
 * client record. Everyone else is unknown: on a "known clients only"
 * connection they get the auto-reply and no agent.
 */
export async function isKnownSender(
  client: TransactionClientContract | Pick<typeof db, 'from'>,
  contactId: number
) {
  const row = await client
    .from('contacts as ct')
    .join('clients as cl', 'cl.id', 'ct.client_id')
    .where('ct.id', contactId)
    .where('cl.is_active', true)
    .select('cl.id')
    .first()
  return !!row
}
