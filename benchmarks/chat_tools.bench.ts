import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import Conversation from '#models/conversation'
import quickReplyPicker from '#services/quick_reply_picker'
import chatTagMenus from '#services/chat_tag_menus'
import chatTagging from '#services/chat_tagging'
import messageTimeline from '#services/message_timeline'
import type { Benchmark, BenchResult } from './harness.js'
import { timeIt } from './harness.js'
import { loadConversationsDataset } from './datasets/conversations.js'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200)
const QUICK_REPLIES = 300

/**
 * The chat screen's tools on the 100k-conversation data set, as the server
 * answers them (service time, no HTTP): the `/` list filled for one chat with
 * 300 quick replies stored, the header's tag bar for an agent (visibility
 * rule applied, catalog read fresh: a new user object each time, as each
 * request has), the newest timeline page with its tag ids attached (the
 * extra query this feature adds to every timeline), and tagging + untagging a
 * chat (two transactions with their audit entries).
 */
const chatTools: Benchmark = {
  name: 'chat_tools',
  description: 'quick reply list, tag bar, timeline page with tags, tag/untag a chat',
  async run() {
    const data = await loadConversationsDataset()
    const results: BenchResult[] = []
    const record = (bench: string, timing: { p50: number; p95: number }) => {
      const result = {
        bench: `chat_tools.${bench}`,
        value: timing.p95,
        unit: 'ms p95',
        p50: timing.p50,
        p95: timing.p95,
        dataset: `${data.label} / ${QUICK_REPLIES} quick replies`,
      }
      process.stderr.write(`  ${JSON.stringify(result)}\n`)
      results.push(result)
    }

    const agentId = data.agents[0].id
    const row = await db
      .from('conversations as c')
      .join('contacts as ct', 'ct.id', 'c.contact_id')
      .where('c.assigned_user_id', agentId)
      .whereNotNull('ct.client_id')
      .orderBy('c.last_message_at', 'desc')
      .select('c.id')
      .first()
    const conversation = await Conversation.findOrFail(row.id)

    const now = new Date()
    const inserted = await db
      .table('quick_replies')
      .insert(
        Array.from({ length: QUICK_REPLIES }, (_, i) => ({
          shortcut: `bench_${String(i).padStart(3, '0')}`,
          title: `Bench ${i}`,
          body: 'Hola {{contact_name}}, soy {{agent_name}}. {{holder}} debe {{balance}} ({{days_overdue}} días).',
          is_active: i % 10 !== 0,
          created_at: now,
          updated_at: now,
        }))
      )
      .returning('id')
    // An active tag every role sees, not on the chat yet.
    const tag = (await db
      .from('tags as t')
      .where('t.is_active', true)
      .whereNotExists((sub) => sub.from('tag_roles as tr').whereRaw('tr.tag_id = t.id'))
      .whereNotExists((sub) =>
        sub
          .from('conversation_tags as ct')
          .whereRaw('ct.tag_id = t.id')
          .where('ct.conversation_id', conversation.id)
      )
      .orderBy('t.id')
      .select('t.id')
      .first())!
    try {
      const agent = await User.findOrFail(agentId)
      record(
        'quick_replies_list',
        await timeIt(() => quickReplyPicker.choices(conversation, agent, 'bench_1'), ITERATIONS)
      )
      record(
        'tag_bar',
        await timeIt(async () => {
          const fresh = await User.findOrFail(agentId)
          return chatTagMenus.forConversation(conversation.id, fresh)
        }, ITERATIONS)
      )
      record(
        'timeline_page_with_tags',
        await timeIt(() => messageTimeline.page(conversation.id), ITERATIONS)
      )
      const actor = { user: agent, ip: null }
      record(
        'tag_and_untag_chat',
        await timeIt(async () => {
          await chatTagging.tagConversation(actor, conversation.id, Number(tag.id))
          await chatTagging.untagConversation(actor, conversation.id, Number(tag.id))
        }, ITERATIONS)
      )
    } finally {
      await db
        .from('quick_replies')
        .whereIn(
          'id',
          inserted.map((r) => r.id)
        )
        .delete()
      await db
        .from('audit_logs')
        .whereIn('action', ['conversation.tag_added', 'conversation.tag_removed'])
        .delete()
    }
    return results
  },
}

export default chatTools
