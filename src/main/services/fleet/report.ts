import type { FleetColumn, FleetHost, FleetProfile, FleetRemedyGroup, FleetReport, FleetUniform } from '../../../shared/contract/fleet'
import type { ReportedCheck } from '../../../shared/contract/fleet'
import { checkGroupOrder } from '../../../shared/contract/check-groups'
import type { CheckStatus } from '../../../shared/contract/inspect'
import type { LoadedHost } from './sources'

const SEVERITY: Record<CheckStatus, number> = { fail: 0, warn: 1, unknown: 2, ok: 3 }

function hostSummary(h: LoadedHost): FleetHost {
  const out: FleetHost = { name: h.name, source: h.source, kind: h.kind }
  if (h.error) out.error = h.error
  if (!h.report) return out
  out.generatedAt = h.fact?.generatedAt || h.report.generatedAt
  out.summary = h.report.summary
  const hs = h.report.checks.find((c) => c.id === 'kernel.release')?.details?.hyperscale
  out.hyperscaleKernel = typeof hs === 'boolean' ? hs : null
  out.reposEnabled = h.fact && !h.fact.repos.error ? h.fact.repos.enabled.length : null
  out.packagesInstalled = h.fact && !h.fact.repos.error ? h.fact.repos.packages : null
  return out
}

function mostCommon(values: string[]): string {
  const n = new Map<string, number>()
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1)
  return [...n].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? ''
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true })

/**
 * One view of many hosts: checks that agree everywhere are folded into `uniform`; the others
 * become columns, and hosts with the same status in every column share a row (profile), so a
 * thousand hosts in three states print three rows. Non-ok statuses are grouped by remedy.
 * Checks are taken generically by id from whatever the reports contain.
 */
export function fleetReport(loaded: readonly LoadedHost[], now: Date = new Date()): FleetReport {
  const hosts = loaded.map(hostSummary)
  const readable = loaded.filter((h): h is LoadedHost & { report: NonNullable<LoadedHost['report']> } => Boolean(h.report))
  const byId = new Map<string, { meta: FleetColumn; first: number; per: Map<string, ReportedCheck> }>()
  let seq = 0
  for (const h of readable) {
    for (const c of h.report.checks) {
      let e = byId.get(c.id)
      if (!e) byId.set(c.id, (e = { meta: { id: c.id, group: c.group, title: c.title }, first: seq++, per: new Map() }))
      if (!e.per.has(h.name)) e.per.set(h.name, c)
    }
  }
  const groupRank = (g: string): number => {
    const i = checkGroupOrder.indexOf(g as (typeof checkGroupOrder)[number])
    return i === -1 ? checkGroupOrder.length : i
  }
  const checks = [...byId.values()].sort((a, b) => groupRank(a.meta.group) - groupRank(b.meta.group) || a.first - b.first)

  const columns: FleetColumn[] = []
  const uniform: FleetUniform[] = []
  for (const e of checks) {
    const statuses = new Set([...e.per.values()].map((c) => c.status))
    if (statuses.size === 1 && e.per.size === readable.length) uniform.push({ ...e.meta, status: [...statuses][0], hosts: e.per.size })
    else columns.push(e.meta)
  }

  const profiles = new Map<string, FleetProfile>()
  for (const h of readable) {
    const statuses: Record<string, CheckStatus> = {}
    for (const col of columns) {
      const c = byId.get(col.id)!.per.get(h.name)
      if (c) statuses[col.id] = c.status
    }
    const key = JSON.stringify(columns.map((c) => statuses[c.id] ?? null))
    const p = profiles.get(key)
    if (p) p.hosts.push(h.name)
    else profiles.set(key, { hosts: [h.name], statuses })
  }
  const rows = [...profiles.values()]
  for (const p of rows) p.hosts.sort(byName)
  rows.sort((a, b) => b.hosts.length - a.hosts.length || byName(a.hosts[0], b.hosts[0]))

  const remedies: FleetRemedyGroup[] = []
  for (const e of checks) {
    const groups = new Map<string, { status: CheckStatus; hosts: string[]; values: string[]; remedy?: ReportedCheck['remedy']; title: string }>()
    for (const [host, c] of e.per) {
      if (c.status !== 'fail' && c.status !== 'warn') continue
      const key = JSON.stringify([c.status, c.remedy?.text ?? null, c.remedy?.command ?? null])
      const g = groups.get(key) ?? { status: c.status, hosts: [], values: [], remedy: c.remedy, title: c.title }
      g.hosts.push(host)
      g.values.push(c.value.split('\n')[0])
      groups.set(key, g)
    }
    for (const g of groups.values()) {
      const r: FleetRemedyGroup = {
        check: e.meta.id,
        group: e.meta.group,
        title: g.title,
        status: g.status,
        value: mostCommon(g.values),
        hosts: g.hosts.sort(byName)
      }
      if (g.remedy) r.remedy = g.remedy
      remedies.push(r)
    }
  }
  // Stable: ties keep the inspector's order of checks (kernel before PSI before btrfs).
  remedies.sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || b.hosts.length - a.hosts.length)

  return { schema: 1, generatedAt: now.toISOString(), hosts, columns, profiles: rows, uniform, remedies }
}
