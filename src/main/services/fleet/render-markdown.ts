import type { FleetReport } from '../../../shared/contract/fleet'
import { hostsWord, remedyHeadline, STATUS_WORD, uniformLine } from './render-text'

/**
 * Text inside a Markdown table cell or list item: no emphasis, code, links, HTML or line
 * breaks from a host. Our own prefix always starts the line, so block markers (#, +) stay inert.
 */
export function md(s: string): string {
  return s
    .replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, ' ')
}

/** A command as inline code (list items only, never table cells): the longest backtick run inside decides the fence. */
function code(s: string): string {
  const flat = s.replace(/\r?\n/g, ' ')
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((m) => m.length))
  const fence = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

export function fleetToMarkdown(report: FleetReport): string {
  const broken = report.hosts.filter((h) => h.kind === 'error')
  const out: string[] = [
    '# Hyperscale fleet report',
    '',
    `${hostsWord(report.hosts.length)}${broken.length ? ` (${broken.length} unreadable)` : ''}; ${report.columns.length} of ${report.uniform.length + report.columns.length} checks differ between hosts. Generated ${md(report.generatedAt)}.`,
    ''
  ]
  if (report.columns.length && report.profiles.length) {
    out.push(`| hosts | ${report.columns.map((c) => `${md(c.title)} (${md(c.id)})`).join(' | ')} |`)
    out.push(`|---|${report.columns.map(() => '---').join('|')}|`)
    for (const p of report.profiles)
      out.push(
        `| ${md(p.hosts.join(', '))} (${p.hosts.length}) | ${report.columns.map((c) => (p.statuses[c.id] ? STATUS_WORD[p.statuses[c.id]] : '–')).join(' | ')} |`
      )
    out.push('')
  }
  if (report.uniform.length) out.push(`Same on every host: ${md(uniformLine(report))}`, '')
  if (report.remedies.length) {
    out.push('## To fix', '')
    for (const r of report.remedies) {
      out.push(`- **${STATUS_WORD[r.status]}** ${md(remedyHeadline(r))}`)
      if (r.remedy?.command) out.push(`  - run: ${code(r.remedy.command)}`)
      out.push(`  - hosts: ${md(r.hosts.join(', '))}`)
    }
    out.push('')
  }
  if (broken.length) {
    out.push('## Unreadable', '')
    for (const h of broken) out.push(`- ${md(h.name)}: ${md(h.error ?? '')}`)
    out.push('')
  }
  return out.join('\n')
}
