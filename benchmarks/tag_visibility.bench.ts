import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import conversationSearch from '#services/conversation_search'
import type { Benchmark, BenchResult } from './harness.js'
import { timeIt } from './harness.js'
import { loadConversationsDataset } from './datasets/conversations.js'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200)

/**
 * What the R-TG-3 scope costs the chat list: the tag filter and the rows'
 * tags with the visibility rule (an agent) against the same query without it
 * (an admin: tags.manage sees every tag), on the 100k-conversation data set
 * (two of its tags are limited to supervisors).
 */
const tagVisibility: Benchmark = {
  name: 'tag_visibility',
  description: 'chat list filtered by tag, with and without the visibility scope',
  async run() {
    const data = await loadConversationsDataset()
    const results: BenchResult[] = []
    const admin = await conversationSearch.viewerFor(await User.findOrFail(data.admin.id))
    const agent = await conversationSearch.viewerFor(await User.findOrFail(data.agents[0].id))
    const open = await db
      .from('tags')
      .whereNotExists((sub) => sub.from('tag_roles').whereRaw('tag_roles.tag_id = tags.id'))
      .orderBy('id')
      .select('id')
      .first()
    const cases: [string, typeof admin][] = [
      ['admin', admin],
      ['agent', agent],
    ]
    for (const [role, viewer] of cases) {
      const filters = { tagIds: [Number(open.id)] }
      for (const [name, call] of [
        ['list', () => conversationSearch.list(viewer, filters)],
        ['counts', () => conversationSearch.trayCounts(viewer, filters)],
      ] as const) {
        const timing = await timeIt(call, ITERATIONS)
        const result = {
          bench: `tag_visibility.filter_${name}.${role}`,
          value: timing.p95,
          unit: 'ms p95',
          p50: timing.p50,
          p95: timing.p95,
          dataset: data.label,
        }
        process.stderr.write(`  ${JSON.stringify(result)}\n`)
        results.push(result)
      }
    }
    return results
  },
}

export default tagVisibility
