import type { InspectReport } from '../../../shared/contract'

const badge = { ok: '✅ ok', warn: '⚠️ warn', fail: '❌ fail', unknown: '❔ unknown' } as const

/** A report for pasting into bug trackers. */
export function reportToMarkdown(report: InspectReport): string {
  const lines = [
    '# Hyperscale Companion system report',
    '',
    `Generated ${report.generatedAt} (root \`${report.root}\`): ${report.summary.ok} ok, ${report.summary.warn} warn, ${report.summary.fail} fail, ${report.summary.unknown} unknown.`,
    '',
    '| Check | Status | Value |',
    '| --- | --- | --- |'
  ]
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  for (const c of report.checks) lines.push(`| ${cell(c.title)} | ${badge[c.status]} | ${cell(c.value)} |`)
  const todo = report.checks.filter((c) => c.remedy && c.status !== 'ok')
  if (todo.length) {
    lines.push('', '## What to do', '')
    for (const c of todo) lines.push(`- **${c.title}**: ${c.remedy!.text}${c.remedy!.command ? ` \`${c.remedy!.command}\`` : ''}`)
  }
  return lines.join('\n') + '\n'
}
