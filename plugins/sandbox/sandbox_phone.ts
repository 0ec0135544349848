import { randomUUID } from 'node:crypto'
import type { AcceptedInboundMedia } from '#channels/media_port'
import type { OutboundMedia } from '#channels/channel_driver'
import { sandboxContext } from './plugin_context.js'

export interface SandboxCustomer {
  id: number
  connection_id: number
  name: string
  phone: string
}

export interface SandboxMessage {
  id: number
  direction: 'in' | 'out'
  external_id: string
  kind: string
  body: string | null
  status: 'sent' | 'delivered' | 'read' | null
  created_at: Date
  /** A file in the core's media store (`ctx.ports.media`), when the message carries one. */
  media_path: string | null
  media_mime: string | null
  media_size: number | string | null
  media_filename: string | null
}

/** What the customer sends: a text, a file (stored through `ctx.ports.media.accept`) with a caption, or both. */
export interface CustomerMessage {
  text?: string | null
  media?: AcceptedInboundMedia | null
  /** Lets tests redeliver the same message. */
  externalId?: string
}

export type FailureMode = 'retryable' | 'fatal'

/** A phone number as the customer typed it, reduced to +digits (the core normalizes it again). */
export function normalizePhone(phone: string) {
  const digits = phone.replace(/\D/g, '')
  return digits ? `+${digits}` : ''
}

/**
 * The far side of a sandbox connection: the customers' phones. Customers
 * write through the same ingest port a real channel uses; what the agents
 * send lands in their chats here, and opening a chat reports it read.
 */
export class SandboxPhone {
  get #ctx() {
    return sandboxContext()
  }

  customers(connectionId: number): Promise<SandboxCustomer[]> {
    return this.#ctx.db
      .from('sandbox_customers')
      .where('connection_id', connectionId)
      .orderBy('name', 'asc')
  }

  async customer(connectionId: number, customerId: number): Promise<SandboxCustomer | null> {
    const row = await this.#ctx.db
      .from('sandbox_customers')
      .where({ connection_id: connectionId, id: customerId })
      .first()
    return row ?? null
  }

  /** Finds the customer with this phone on the connection, or creates it (renaming an existing one). */
  async customerFor(connectionId: number, input: { name?: string | null; phone: string }) {
    const phone = normalizePhone(input.phone)
    const existing = await this.#ctx.db
      .from('sandbox_customers')
      .where({ connection_id: connectionId, phone })
      .first()
    if (existing) {
      if (input.name && input.name !== existing.name) {
        await this.#ctx.db
          .from('sandbox_customers')
          .where('id', existing.id)
          .update({ name: input.name })
        existing.name = input.name
      }
      return existing as SandboxCustomer
    }
    const [row] = await this.#ctx.db
      .table('sandbox_customers')
      .insert({
        connection_id: connectionId,
        name: input.name || phone,
        phone,
        created_at: new Date(),
      })
      .returning('*')
    return row as SandboxCustomer
  }

  thread(customerId: number): Promise<SandboxMessage[]> {
    return this.#ctx.db
      .from('sandbox_messages')
      .where('customer_id', customerId)
      .orderBy('id', 'asc')
  }

  /**
   * The customer writes. Goes through `ctx.ports.ingest`, exactly as a real
   * provider's webhook would; `externalId` lets tests redeliver the same message.
   */
  customerSays(
    connectionId: number,
    customer: SandboxCustomer,
    text: string,
    externalId = `sbx-in-${randomUUID()}`
  ) {
    return this.customerSends(connectionId, customer, { text, externalId })
  }

  /** The customer sends a text or a file (with an optional caption), through the ingest port. */
  async customerSends(connectionId: number, customer: SandboxCustomer, input: CustomerMessage) {
    const at = new Date()
    const externalId = input.externalId ?? `sbx-in-${randomUUID()}`
    const media = input.media ?? null
    const kind = media?.kind ?? 'text'
    const body = input.text?.trim() || null
    const result = await this.#ctx.ports.ingest.message(connectionId, {
      externalId,
      contact: { phone: customer.phone, profileName: customer.name },
      kind,
      body,
      media: media && {
        path: media.path,
        mime: media.mime,
        size: media.size,
        filename: media.filename,
        sha256: media.sha256,
      },
      at,
    })
    if (!result.duplicate) {
      await this.#ctx.db
        .table('sandbox_messages')
        .insert({
          connection_id: connectionId,
          customer_id: customer.id,
          direction: 'in',
          external_id: externalId,
          kind,
          body,
          status: null,
          created_at: at,
          media_path: media?.path ?? null,
          media_mime: media?.mime ?? null,
          media_size: media?.size ?? null,
          media_filename: media?.filename ?? null,
        })
        .onConflict('external_id')
        .ignore()
    }
    return result
  }

  /** A business message reached the customer's phone (called by the driver's send()). */
  async receive(
    connectionId: number,
    customer: SandboxCustomer,
    kind: string,
    body: string | null,
    media: OutboundMedia | null = null
  ) {
    const externalId = `sbx-out-${randomUUID()}`
    await this.#ctx.db.table('sandbox_messages').insert({
      connection_id: connectionId,
      customer_id: customer.id,
      direction: 'out',
      external_id: externalId,
      kind,
      body,
      status: 'sent',
      created_at: new Date(),
      media_path: media?.path ?? null,
      media_mime: media?.mime ?? null,
      media_size: media?.size ?? null,
      media_filename: media?.filename ?? null,
    })
    return externalId
  }

  /** The phone reports a receipt; statuses only move forward here too. */
  async report(connectionId: number, externalId: string, status: 'delivered' | 'read') {
    const allowed = status === 'delivered' ? ['sent'] : ['sent', 'delivered']
    await this.#ctx.db
      .from('sandbox_messages')
      .where({ external_id: externalId, direction: 'out' })
      .whereIn('status', allowed)
      .update({ status, ...(status === 'read' ? { read_at: new Date() } : {}) })
    return this.#ctx.ports.ingest.status(connectionId, { externalId, status, at: new Date() })
  }

  /** The customer opens the chat: every business message not read yet is reported read. */
  async openChat(connectionId: number, customerId: number) {
    const unread = await this.#ctx.db
      .from('sandbox_messages')
      .where({ customer_id: customerId, direction: 'out' })
      .whereNot('status', 'read')
      .select('external_id')
    for (const row of unread) await this.report(connectionId, row.external_id, 'read')
  }

  /** A message of this connection's phone that carries a file, or null. */
  async mediaMessage(connectionId: number, messageId: number): Promise<SandboxMessage | null> {
    const row = await this.#ctx.db
      .from('sandbox_messages')
      .where({ connection_id: connectionId, id: messageId })
      .whereNotNull('media_path')
      .first()
    return row ?? null
  }

  async failNext(connectionId: number, mode: FailureMode | null) {
    await this.#ctx.db
      .table('sandbox_lines')
      .insert({ connection_id: connectionId, fail_next: mode })
      .onConflict('connection_id')
      .merge()
  }

  /** The pending simulated failure, consumed atomically (two sends never both take it). */
  async takeFailure(connectionId: number): Promise<FailureMode | null> {
    const result = await this.#ctx.db.rawQuery(
      `UPDATE sandbox_lines l SET fail_next = NULL
       FROM (SELECT connection_id, fail_next FROM sandbox_lines
             WHERE connection_id = ? AND fail_next IS NOT NULL FOR UPDATE) old
       WHERE l.connection_id = old.connection_id
       RETURNING old.fail_next`,
      [connectionId]
    )
    return (result.rows[0]?.fail_next as FailureMode | undefined) ?? null
  }
}

export default new SandboxPhone()
