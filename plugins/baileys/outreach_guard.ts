import type { Database } from '@adonisjs/lucid/database'
import { ChannelSendError } from '#channels/channel_driver'

export interface OutreachLimits {
  newContactsPerHour: number
  newContactsPerDay: number
}

/**
 * The ban-risk guard: WhatsApp bans numbers that write to many people who
 * never wrote to them. A send to such a person counts once (the first
 * message); past the per-hour or per-day limit it is refused with a reason
 * the agent sees, and never retried (a retry would be one more reach-out).
 */
export class OutreachGuard {
  constructor(
    private db: Database,
    private connectionId: number
  ) {}

  /** True when the person wrote to this number, or was already counted. */
  async isKnown(jids: string[]) {
    const wrote = await this.db
      .from('baileys_messages')
      .where('connection_id', this.connectionId)
      .whereIn('remote_jid', jids)
      .where('from_me', false)
      .select('key_id')
      .first()
    if (wrote) return true
    const counted = await this.db
      .from('baileys_outreach')
      .where('connection_id', this.connectionId)
      .whereIn('jid', jids)
      .select('jid')
      .first()
    return !!counted
  }

  /** Throws when writing to one more new person would pass a limit. */
  async check(limits: OutreachLimits) {
    const row = await this.db
      .from('baileys_outreach')
      .where('connection_id', this.connectionId)
      .where('first_sent_at', '>', this.db.raw("now() - interval '1 day'"))
      .select(
        this.db.raw("count(*) filter (where first_sent_at > now() - interval '1 hour') as hour"),
        this.db.raw('count(*) as day')
      )
      .first()
    const hour = Number(row?.hour ?? 0)
    const day = Number(row?.day ?? 0)
    const [window, limit] =
      hour >= limits.newContactsPerHour
        ? ['hour', limits.newContactsPerHour]
        : day >= limits.newContactsPerDay
          ? ['day', limits.newContactsPerDay]
          : [null, 0]
    if (!window) return
    throw new ChannelSendError('New-contact limit reached', {
      retryable: false,
      code: 'baileys_new_contact_limit',
      reason: `This number already wrote first to ${limit} new contacts in the last ${window} (limit set to avoid a WhatsApp ban)`,
    })
  }

  async record(jid: string) {
    await this.db
      .knexQuery()
      .table('baileys_outreach')
      .insert({ connection_id: this.connectionId, jid, first_sent_at: new Date() })
      .onConflict(['connection_id', 'jid'])
      .ignore()
  }
}
