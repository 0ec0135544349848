import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import outbound from '#channels/outbound_service'
import channelRegistry from '#channels/channel_registry'
import Connection from '#models/connection'
import notifier, { type Notifier } from '#services/notifier'
import contactResolver from '#services/contact_resolver'
import { publish } from '#events/conversation_events'
import type { MessageKind } from '#models/message'
import type { ContactIdentity } from '#channels/ingest_port'
import { announceMerges } from '#services/contact_merger'

/*
| What feature plugins (calls, contact sync, bots…) may read and do in the
| core, without touching core tables: they react to core events, which carry
| ids, and come here for the rest. Channel plugins use `ingest` and
| `channels`, and come here too for reads such as `latestInboundMessage`.
*/

export interface ConversationSummary {
  id: number
  connectionId: number
  contactId: number
  contactName: string | null
  state: string
  assignedUserId: number | null
}

export interface MessageSummary {
  id: number
  conversationId: number
  connectionId: number
  kind: MessageKind
  direction: 'in' | 'out'
  body: string | null
  metadata: Record<string, unknown>
  /** When it happened (the provider's time for inbound and imported messages). */
  createdAt: Date
}

export class ConversationsPort {
  async find(conversationId: number): Promise<ConversationSummary | null> {
    const row = await db
      .from('conversations')
      .join('contacts', 'contacts.id', 'conversations.contact_id')
      .where('conversations.id', conversationId)
      .select(
        'conversations.id',
        'conversations.connection_id',
        'conversations.contact_id',
        'conversations.state',
        'conversations.assigned_user_id',
        db.raw(
          'coalesce(contacts.display_name, contacts.profile_name, contacts.phone_e164) as name'
        )
      )
      .first()
    if (!row) return null
    return {
      id: Number(row.id),
      connectionId: Number(row.connection_id),
      contactId: Number(row.contact_id),
      contactName: row.name ?? null,
      state: row.state,
      assignedUserId: row.assigned_user_id === null ? null : Number(row.assigned_user_id),
    }
  }

  async message(messageId: number): Promise<MessageSummary | null> {
    const row = await db.from('messages').where('id', messageId).first()
    if (!row) return null
    return {
      id: Number(row.id),
      conversationId: Number(row.conversation_id),
      connectionId: Number(row.connection_id),
      kind: row.kind,
      direction: row.direction,
      body: row.body,
      metadata: row.metadata ?? {},
      createdAt: new Date(row.created_at),
    }
  }

  /** For plugin pages that report per connection, whichever plugin owns it. */
  async connectionNames(connectionIds: number[]): Promise<Map<number, string>> {
    if (!connectionIds.length) return new Map()
    const rows = await db
      .from('connections')
      .whereIn('id', [...new Set(connectionIds)])
      .select('id', 'name')
    return new Map(rows.map((row) => [Number(row.id), row.name]))
  }

  /**
   * The customer's newest message the provider knows by id (calls aside):
   * channels that acknowledge reads do it on that one, which covers the earlier ones.
   */
  async latestInboundMessage(
    conversationId: number
  ): Promise<{ connectionId: number; externalId: string } | null> {
    const row = await db
      .from('messages')
      .where('conversation_id', conversationId)
      .where('direction', 'in')
      .whereNotNull('external_id')
      .whereNot('kind', 'call')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .select('connection_id', 'external_id')
      .first()
    if (!row) return null
    return { connectionId: Number(row.connection_id), externalId: row.external_id }
  }

  /**
   * A text from the business itself (not a person) through the outbox: it
   * neither reopens a resolved chat nor counts as the answer the customer waits for.
   */
  async sendAutomatic(conversationId: number, body: string) {
    const { message } = await outbound.submit({
      conversationId,
      authorUserId: null,
      kind: 'text',
      body,
      automatic: true,
    })
    return { messageId: message.id }
  }

  /**
   * Ask the channel to decline a ringing call stored as the call message
   * `messageId`. False when the channel cannot (no driver running, or a
   * channel without call control): the caller decides what to tell people.
   */
  async rejectCall(messageId: number): Promise<boolean> {
    const call = await db
      .from('messages')
      .join('conversations', 'conversations.id', 'messages.conversation_id')
      .join('contacts', 'contacts.id', 'conversations.contact_id')
      .where('messages.id', messageId)
      .where('messages.kind', 'call')
      .select(
        'messages.connection_id',
        'messages.metadata',
        'contacts.id as contact_id',
        'contacts.phone_e164',
        'contacts.wa_id',
        'contacts.lid',
        'contacts.bsuid'
      )
      .first()
    if (!call?.metadata?.callId) return false
    const connection = await Connection.find(call.connection_id)
    const driver = connection ? channelRegistry.driverFor(connection) : null
    if (!driver?.rejectCall || !driver.capabilities.calls) return false
    try {
      await driver.rejectCall({
        connectionId: Number(call.connection_id),
        callId: String(call.metadata.callId),
        from: {
          contactId: Number(call.contact_id),
          phoneE164: call.phone_e164,
          waId: call.wa_id,
          lid: call.lid,
          bsuid: call.bsuid,
        },
        metadata: call.metadata,
      })
    } catch (error) {
      // The call may have ended, or the line dropped: the caller reports it, nobody crashes.
      logger.warn({ err: error, messageId }, 'the channel could not decline a call')
      return false
    }
    return true
  }
}

export interface ContactSummary {
  id: number
  name: string | null
  profileName: string | null
  phoneE164: string | null
  waId: string | null
  lid: string | null
  profilePhotoUrl: string | null
  clientId: number | null
  holderName: string | null
  documentId: string | null
  createdAt: Date
  updatedAt: Date
}

export interface ContactUpsert {
  contactId: number
  created: boolean
  /** False when the contact already held everything the identity says. */
  changed: boolean
}

/** Contacts as feature plugins see them (contact sync, CRM pushes). */
export class ContactsPort {
  /** Creates the person or teaches the matching contact new identities, names and photo. */
  async upsert(identity: ContactIdentity): Promise<ContactUpsert> {
    const resolved = await db.transaction((trx) => contactResolver.resolve(identity, trx))
    await announceMerges(resolved!.merges)
    const result = {
      contactId: resolved!.id,
      created: resolved!.created,
      changed: resolved!.changed,
    }
    if (result.changed) {
      await publish('contact:upserted', { contactId: result.contactId, created: result.created })
    }
    return result
  }

  async find(contactId: number): Promise<ContactSummary | null> {
    const row = await db
      .from('contacts')
      .leftJoin('clients', 'clients.id', 'contacts.client_id')
      .where('contacts.id', contactId)
      .select(
        'contacts.*',
        'clients.holder_name as client_holder_name',
        'clients.document_id as client_document_id'
      )
      .first()
    if (!row) return null
    return {
      id: Number(row.id),
      name: row.display_name ?? row.profile_name ?? null,
      profileName: row.profile_name,
      phoneE164: row.phone_e164,
      waId: row.wa_id,
      lid: row.lid,
      profilePhotoUrl: row.profile_photo_url,
      clientId: row.client_id === null ? null : Number(row.client_id),
      holderName: row.client_holder_name ?? null,
      documentId: row.client_document_id ?? null,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    }
  }
}

export type NotificationsPort = Pick<Notifier, 'notify' | 'notifyWithPermission'>

declare module '#plugin_host/contract' {
  interface PluginPorts {
    conversations: ConversationsPort
    contacts: ContactsPort
    /** In-app notifications; `kind` may be a full key of the plugin's lang file. */
    notifications: NotificationsPort
  }
}

export const conversationsPort = new ConversationsPort()
export const contactsPort = new ContactsPort()
export const notificationsPort: NotificationsPort = {
  notify: (...args) => notifier.notify(...args),
  notifyWithPermission: (...args) => notifier.notifyWithPermission(...args),
}
