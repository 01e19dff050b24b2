import type { FleetReport, FleetRemedyGroup } from '../../../shared/contract/fleet'
import type { CheckStatus } from '../../../shared/contract/inspect'

/** Terminal table cells: short. */
export const STATUS_LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', unknown: '?' }
/** Markdown and HTML cells: words (a "?" reads like a rendering problem there). */
export const STATUS_WORD: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', unknown: 'unknown' }

/** "3 hosts" / "1 host". */
export const hostsWord = (n: number): string => `${n} host${n === 1 ? '' : 's'}`

/** "a, b, c and 12 more": long host lists stay one readable line in the terminal. */
export function hostList(hosts: readonly string[], max = 8): string {
  return hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more`
}

/** "12 hosts: PSI (off at boot) → Turn PSI on …": the sentence shared by every renderer. */
export function remedyHeadline(r: FleetRemedyGroup): string {
  return `${hostsWord(r.hosts.length)}: ${r.title}${r.value ? ` (${r.value})` : ''}${r.remedy ? ` → ${r.remedy.text}` : ''}`
}

export function uniformLine(report: FleetReport): string {
  const by = new Map<CheckStatus, string[]>()
  for (const u of report.uniform) by.set(u.status, [...(by.get(u.status) ?? []), u.id])
  const parts = (['ok', 'warn', 'fail', 'unknown'] as const)
    .filter((s) => by.has(s))
    .map((s) => `${by.get(s)!.length} ${s}${s === 'ok' ? '' : ` (${by.get(s)!.join(', ')})`}`)
  return parts.join(', ')
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)))
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c] - [...cell].length)))
      .join('  ')
      .trimEnd()
  )
}

/** Plain text for the terminal (the parser has already replaced control characters). */
export function fleetToText(report: FleetReport): string {
  const readable = report.hosts.filter((h) => h.kind !== 'error')
  const broken = report.hosts.filter((h) => h.kind === 'error')
  const out: string[] = [
    `Fleet: ${hostsWord(report.hosts.length)}${broken.length ? ` (${broken.length} unreadable)` : ''}; ${report.uniform.length + report.columns.length} checks, ${report.columns.length} differ between hosts`,
    ''
  ]
  if (readable.length && report.columns.length) {
    out.push(
      ...table([
        ['hosts', ...report.columns.map((c) => c.id)],
        ...report.profiles.map((p) => [
          `${hostList(p.hosts, 3)} (${p.hosts.length})`,
          ...report.columns.map((c) => (p.statuses[c.id] ? STATUS_LABEL[p.statuses[c.id]] : '-'))
        ])
      ])
    )
    out.push('')
  } else if (readable.length) out.push('Every host has the same status on every check.', '')
  if (report.uniform.length) out.push(`Same on every host: ${uniformLine(report)}`, '')
  if (report.remedies.length) {
    out.push('To fix:')
    for (const r of report.remedies) {
      out.push(`  ${STATUS_LABEL[r.status].padEnd(4)} ${remedyHeadline(r)}`)
      if (r.remedy?.command) out.push(`       $ ${r.remedy.command}`)
      out.push(`       ${hostList(r.hosts)}`)
    }
    out.push('')
  }
  if (broken.length) {
    out.push('Unreadable:')
    for (const h of broken) out.push(`  ${h.name} (${h.source}): ${h.error}`)
    out.push('')
  }
  return out.join('\n')
}
