import type { FleetReport } from '../../../shared/contract/fleet'
import type { CheckStatus } from '../../../shared/contract/inspect'
import { hostsWord, remedyHeadline, STATUS_WORD, uniformLine } from './render-text'

/** Escapes text for element content and double- or single-quoted attributes. */
export function html(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const CLASS: Record<CheckStatus, string> = { ok: 's-ok', warn: 's-warn', fail: 's-fail', unknown: 's-unknown' }

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th small{display:block;font-weight:normal;color:#555}.s-ok{background:#e6f4ea}.s-warn{background:#fef7e0}.s-fail{background:#fce8e6;font-weight:bold}.s-unknown{background:#f1f3f4}code{background:#f1f3f4;padding:0 .2rem}`

/**
 * A standalone page: no scripts, no external resources (a CSP that forbids both), every byte
 * from a host escaped, statuses only from the fixed enum.
 */
export function fleetToHtml(report: FleetReport): string {
  const broken = report.hosts.filter((h) => h.kind === 'error')
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<title>Hyperscale fleet report</title>',
    `<style>${STYLE}</style></head><body>`,
    '<h1>Hyperscale fleet report</h1>',
    `<p>${html(hostsWord(report.hosts.length))}${broken.length ? ` (${broken.length} unreadable)` : ''}; ${report.columns.length} of ${report.uniform.length + report.columns.length} checks differ between hosts. Generated ${html(report.generatedAt)}.</p>`
  ]
  if (report.columns.length && report.profiles.length) {
    out.push('<table><thead><tr><th scope="col">hosts</th>')
    for (const c of report.columns) out.push(`<th scope="col">${html(c.title)}<small>${html(c.id)}</small></th>`)
    out.push('</tr></thead><tbody>')
    for (const p of report.profiles) {
      out.push(`<tr><th scope="row">${html(p.hosts.join(', '))} (${p.hosts.length})</th>`)
      for (const c of report.columns) {
        const s = p.statuses[c.id]
        out.push(s ? `<td class="${CLASS[s]}">${html(STATUS_WORD[s])}</td>` : '<td>–</td>')
      }
      out.push('</tr>')
    }
    out.push('</tbody></table>')
  }
  if (report.uniform.length) out.push(`<p>Same on every host: ${html(uniformLine(report))}</p>`)
  if (report.remedies.length) {
    out.push('<h2>To fix</h2><ul>')
    for (const r of report.remedies) {
      out.push(`<li><span class="${CLASS[r.status]}">${html(STATUS_WORD[r.status])}</span> ${html(remedyHeadline(r))}`)
      if (r.remedy?.command) out.push(`<br><code>${html(r.remedy.command)}</code>`)
      out.push(`<br><small>${html(r.hosts.join(', '))}</small></li>`)
    }
    out.push('</ul>')
  }
  if (broken.length) {
    out.push('<h2>Unreadable</h2><ul>')
    for (const h of broken) out.push(`<li>${html(h.name)}: ${html(h.error ?? '')}</li>`)
    out.push('</ul>')
  }
  out.push('</body></html>', '')
  return out.join('\n')
}
