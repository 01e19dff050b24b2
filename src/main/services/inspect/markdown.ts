import type { Check, CheckGroup, InspectReport } from '../../../shared/contract'
import { checkGroupOrder, checkGroupTitles } from '../../../shared/contract'

const badge = { ok: '✅ ok', warn: '⚠️ warn', fail: '❌ fail', unknown: '❔ unknown' } as const


const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/** A fence longer than any backtick run inside, so pasted evidence cannot close it early. */
function fenced(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return [fence + 'text', text, fence]
}

function inlineCode(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``
}

function statusLine(c: Check): string {
  return c.notApplicable ? '➖ n/a' : badge[c.status]
}

/** A report for pasting into bug trackers: summary, what to do, then every group with evidence in <details>. */
export function reportToMarkdown(report: InspectReport): string {
  const lines = [
    '# Hyperscale Companion system report',
    '',
    `Generated ${report.generatedAt} for root \`${report.root}\` in ${report.durationMs} ms: **${report.summary.ok} ok, ${report.summary.warn} warn, ${report.summary.fail} fail, ${report.summary.unknown} unknown**.`
  ]
  const todo = report.checks.filter((c) => c.remedy && (c.status === 'warn' || c.status === 'fail'))
  if (todo.length) {
    lines.push('', '## What to do', '')
    for (const c of todo) {
      lines.push(`- ${badge[c.status]} **${c.title}**: ${c.remedy!.text}`)
      if (c.remedy!.command) lines.push(`  ${inlineCode(c.remedy!.command)}`)
    }
  }
  const groups = [...checkGroupOrder, ...new Set(report.checks.map((c) => c.group).filter((g) => !checkGroupOrder.includes(g)))]
  for (const g of groups) {
    const checks = report.checks.filter((c) => c.group === g)
    if (!checks.length) continue
    lines.push('', `## ${checkGroupTitles[g] ?? g}`, '', '| Check | Status | Value |', '| --- | --- | --- |')
    for (const c of checks) lines.push(`| ${cell(c.title)} | ${statusLine(c)} | ${cell(c.value)} |`)
    for (const c of checks) {
      if (!c.evidence.length) continue
      lines.push('', `<details><summary>${escapeHtml(c.title)}: evidence</summary>`, '')
      for (const e of c.evidence) {
        lines.push(`${inlineCode(e.source)}`, '', ...fenced(e.excerpt), '')
      }
      lines.push('</details>')
    }
  }
  return lines.join('\n') + '\n'
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
