import db from '@adonisjs/lucid/services/db'
import metaNumbers from '../numbers/meta_numbers.js'

export interface SyncedTemplate {
  id: number
  name: string
  language: string
  category: string
  status: string
  parameterFormat: 'POSITIONAL' | 'NAMED'
  components: Record<string, any>[]
  /** Body text with its placeholders ({{1}} or {{name}}). */
  bodyText: string
  /**
   * What the agent fills, in the order the customer reads it (the core's
   * ChannelTemplate.parameters convention): `header:image|video|document`
   * (a link to the header's file), `header:<placeholder>` (a text header's),
   * the body's placeholders ('1', '2'… or named), `button:<index>` (a URL
   * button's dynamic part).
   */
  parameters: string[]
}

const MEDIA_HEADERS = ['IMAGE', 'VIDEO', 'DOCUMENT']

function componentOf(components: Record<string, any>[], type: string) {
  return components.find((c) => String(c.type).toUpperCase() === type)
}

/** The template's parameters in reading order (see SyncedTemplate.parameters). */
export function templateParameters(components: Record<string, any>[], bodyText: string) {
  const header = componentOf(components, 'HEADER')
  const format = String(header?.format ?? 'TEXT').toUpperCase()
  const headerParameters = MEDIA_HEADERS.includes(format)
    ? [`header:${format.toLowerCase()}`]
    : placeholders(typeof header?.text === 'string' ? header.text : '').map((p) => `header:${p}`)
  const buttons: any[] = componentOf(components, 'BUTTONS')?.buttons ?? []
  const buttonParameters = buttons.flatMap((button, index) =>
    String(button.type).toUpperCase() === 'URL' && placeholders(String(button.url ?? '')).length
      ? [`button:${index}`]
      : []
  )
  return [...headerParameters, ...placeholders(bodyText), ...buttonParameters]
}

const PAGE_LIMIT = 100
const MAX_PAGES = 50

/** The placeholders of a template's body, in order of first appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]))]
}

function toTemplate(row: any): SyncedTemplate {
  const components =
    (typeof row.components === 'string' ? JSON.parse(row.components) : row.components) ?? []
  const body = componentOf(components, 'BODY')
  const bodyText = typeof body?.text === 'string' ? body.text : ''
  return {
    id: Number(row.id),
    name: row.name,
    language: row.language,
    category: row.category,
    status: row.status,
    parameterFormat: row.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    components,
    bodyText,
    parameters: templateParameters(components, bodyText),
  }
}

/**
 * Message templates of a number's WABA (`GET /{waba-id}/message_templates`,
 * paged), stored per connection. Only approved ones are offered to agents.
 */
export class TemplateSync {
  async sync(connectionId: number): Promise<number> {
    const number = await metaNumbers.byConnection(connectionId)
    if (!number) return 0
    const graph = metaNumbers.graphFor(number)
    const fetched: any[] = []
    let after: string | null = null
    for (let page = 0; page < MAX_PAGES; page++) {
      const query: Record<string, string> = { limit: String(PAGE_LIMIT) }
      if (after) query.after = after
      const result: { data?: any[]; paging?: { next?: string; cursors?: { after?: string } } } =
        await graph.get(`${number.wabaId}/message_templates`, query)
      fetched.push(...(result.data ?? []))
      if (!result.paging?.next || !result.paging.cursors?.after) break
      after = result.paging.cursors.after
    }
    const now = new Date()
    await db.transaction(async (trx) => {
      await trx.from('meta_cloud_templates').where('connection_id', connectionId).delete()
      if (fetched.length) {
        await trx.table('meta_cloud_templates').insert(
          fetched.map((t) => ({
            connection_id: connectionId,
            name: String(t.name),
            language: String(t.language),
            category: String(t.category ?? 'UTILITY'),
            status: String(t.status ?? 'PENDING'),
            parameter_format: t.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL',
            components: JSON.stringify(t.components ?? []),
            synced_at: now,
          }))
        )
      }
      await trx
        .from('meta_cloud_numbers')
        .where('connection_id', connectionId)
        .update({ templates_synced_at: now })
    })
    return fetched.length
  }

  async approved(connectionId: number): Promise<SyncedTemplate[]> {
    const rows = await db
      .from('meta_cloud_templates')
      .where('connection_id', connectionId)
      .where('status', 'APPROVED')
      .orderBy('name')
      .orderBy('language')
    return rows.map(toTemplate)
  }

  async find(connectionId: number, id: number): Promise<SyncedTemplate | null> {
    const row = await db
      .from('meta_cloud_templates')
      .where('connection_id', connectionId)
      .where('id', id)
      .where('status', 'APPROVED')
      .first()
    return row ? toTemplate(row) : null
  }
}

export default new TemplateSync()
