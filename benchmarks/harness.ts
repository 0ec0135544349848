import os from 'node:os'
import { readFileSync, writeFileSync } from 'node:fs'
import type { ApplicationService } from '@adonisjs/core/types'

export interface BenchResult {
  bench: string
  value: number
  unit: string
  p50?: number
  p95?: number
  dataset: string
  target?: string
}

export interface Benchmark {
  name: string
  description: string
  run(app: ApplicationService): Promise<BenchResult[]>
}

export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return 0
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return Math.round(sorted[Math.max(0, index)] * 100) / 100
}

/** Times `iterations` calls of `fn` (after warm-up) and returns p50/p95 in ms. */
export async function timeIt(fn: () => Promise<unknown>, iterations = 200, warmup = 20) {
  for (let i = 0; i < warmup; i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    await fn()
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples }
}

/**
 * Collects latency figures of one data set as `ms p95` results, printing each
 * one to stderr as it lands (a long bench shows progress).
 */
export function p95Recorder(dataset: string, target?: string) {
  const results: BenchResult[] = []
  const push = (bench: string, timing: { p50: number; p95: number }) => {
    const result: BenchResult = {
      bench,
      value: timing.p95,
      unit: 'ms p95',
      p50: timing.p50,
      p95: timing.p95,
      dataset,
      ...(target ? { target } : {}),
    }
    process.stderr.write(`  ${JSON.stringify(result)}\n`)
    results.push(result)
  }
  return { results, push }
}

export function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

function writeDoc(results: BenchResult[]) {
  const path = new URL('../docs/BENCHMARKS.md', import.meta.url)
  const doc = readFileSync(path, 'utf8')
  if (!doc.includes(START)) return
  const existing = new Map<string, string>()
  const section = doc.slice(doc.indexOf(START) + START.length, doc.indexOf(END))
  for (const line of section.split('\n')) {
    const match = /^\| `([^`]+)` \|/.exec(line)
    if (match) existing.set(match[1], line)
  }
  const date = new Date().toISOString().slice(0, 10)
  for (const r of results) {
    existing.set(
      r.bench,
      `| \`${r.bench}\` | ${r.value} ${r.unit} | ${r.p50 ?? '—'} | ${r.p95 ?? '—'} | ${r.target ?? '—'} | ${r.dataset} | ${date} |`
    )
  }
  const table = [
    '',
    `Machine of the last run: ${machine()}`,
    '',
    '| bench | value | p50 (ms) | p95 (ms) | target | dataset | date |',
    '|---|---|---|---|---|---|---|',
    ...[...existing.keys()].sort().map((key) => existing.get(key)!),
    '',
  ].join('\n')
  writeFileSync(
    path,
    doc.slice(0, doc.indexOf(START) + START.length) + table + doc.slice(doc.indexOf(END))
  )
}

export async function runBenchmarks(app: ApplicationService, files: string[], only?: string) {
  const all: BenchResult[] = []
  let ran = 0
  for (const file of files.sort()) {
    const { default: bench } = (await import(new URL(`./${file}`, import.meta.url).href)) as {
      default: Benchmark
    }
    if (only && bench.name !== only) continue
    ran++
    process.stderr.write(`bench ${bench.name}: ${bench.description}\n`)
    for (const result of await bench.run(app)) {
      console.log(JSON.stringify(result))
      all.push(result)
    }
  }
  if (only && !ran) {
    process.stderr.write(`no benchmark named "${only}"\n`)
    return 1
  }
  writeDoc(all)
  return 0
}
