import type { Check, InspectReport } from '../../../shared/contract'
import { checkGroupOrder, checkGroupTitles } from '../../../shared/contract/check-groups'

import { CHECK_TERMS } from '../../../shared/vocabulary'
import { needsAction } from '../../../shared/check-triage'

// The app's words for each status (src/shared/vocabulary.ts), with a symbol for plain-text readers.
const badge = {
  ok: `✅ ${CHECK_TERMS.ok.word}`,
  warn: `⚠️ ${CHECK_TERMS.warn.word}`,
  fail: `❌ ${CHECK_TERMS.fail.word}`,
  unknown: `❔ ${CHECK_TERMS.unknown.word}`
} as const

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
    `Generated ${report.generatedAt} for root \`${report.root}\` in ${report.durationMs} ms: **${report.checks.length} checks: ${report.summary.ok} ${CHECK_TERMS.ok.word}, ${report.summary.warn} ${CHECK_TERMS.warn.word}, ${report.summary.fail} ${CHECK_TERMS.fail.word}, ${report.summary.unknown} ${CHECK_TERMS.unknown.word}**.`
  ]
  const todo = report.checks.filter(needsAction)
  if (todo.length) {
    lines.push('', '## What to fix', '')
    for (const c of todo) {
      lines.push(`- ${badge[c.status]} **${c.title}**: ${c.remedy!.text}`)
      if (c.remedy!.command) lines.push(`  ${inlineCode(c.remedy!.command)}`)
    }
  }
  const info = report.checks.filter((c) => c.remedy && (c.status === 'warn' || c.status === 'fail') && !needsAction(c))
  if (info.length) {
    lines.push('', '## For information', '')
    for (const c of info) lines.push(`- ${badge[c.status]} **${c.title}**: ${c.remedy!.text}`)
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
