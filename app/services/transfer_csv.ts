import type { I18n } from '@adonisjs/i18n'
import type { TransferRow } from '#services/transfer_history'

/** Cells a spreadsheet would run as a formula start with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/

/** One CSV cell: quoted when needed, and never executable in a spreadsheet. */
export function csvCell(value: unknown) {
  let text = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(values: unknown[]) {
  return `${values.map(csvCell).join(',')}\r\n`
}

/** The transfer history as CSV lines, header first (UTF-8 BOM so Excel reads accents). */
export async function* transferCsv(rows: AsyncIterable<TransferRow>, i18n: I18n, timezone: string) {
  const t = (key: string) => i18n.t(`transfers.${key}`)
  yield `\uFEFF${csvLine([
    t('columns.id'),
    t('columns.created_at'),
    t('columns.state'),
    t('columns.kind'),
    t('columns.requester'),
    t('columns.contact'),
    t('columns.from'),
    t('columns.target'),
    t('columns.decider'),
    t('columns.decided_at'),
    t('columns.reason'),
    t('columns.note'),
  ])}`
  const when = (value: TransferRow['createdAt'] | null) =>
    value ? value.setZone(timezone).toFormat('yyyy-MM-dd HH:mm:ss') : ''
  for await (const row of rows) {
    yield csvLine([
      row.id,
      when(row.createdAt),
      t(`states.${row.state}`),
      t(`kinds.${row.kind}`),
      row.requester,
      row.contact,
      row.fromAgent,
      row.targetUser ?? row.targetDepartment,
      row.decider,
      when(row.decidedAt),
      row.reason,
      row.decisionNote,
    ])
  }
}
