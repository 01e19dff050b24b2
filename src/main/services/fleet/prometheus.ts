import type { HostFact } from '../../../shared/contract/fleet'
import type { Check, CheckStatus } from '../../../shared/contract/inspect'

/**
 * The node-exporter textfile-collector format (Prometheus text exposition 0.0.4) of a fact.
 * Metric and label names are a contract: test/fleet/stability.json lists them.
 *
 * Check status is one-hot: every check has one series per status, 1 for the current one and
 * 0 for the others (the kube-state-metrics convention), so `== 1` alerts work and a series
 * never vanishes when a status changes.
 */

export const CHECK_STATUSES: readonly CheckStatus[] = ['ok', 'warn', 'fail', 'unknown']

const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const
const PSI_KINDS = ['some', 'full'] as const
const PSI_WINDOWS = [
  ['avg10', '10s'],
  ['avg60', '60s'],
  ['avg300', '300s']
] as const

/** Label values: backslash, double quote and line feed escaped (the exposition format's only escapes). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text: backslash and line feed escaped. */
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf'
  return String(v)
}

type Labels = Record<string, string>

class Writer {
  private lines: string[] = []
  family(name: string, help: string, samples: Array<[Labels, number]>): void {
    if (samples.length === 0) return
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`)
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',')
      this.lines.push(`${name}${l ? `{${l}}` : ''} ${num(value)}`)
    }
  }
  text(): string {
    return this.lines.join('\n') + '\n'
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function check(fact: HostFact, id: string): Check | undefined {
  return fact.inspect.checks.find((c) => c.id === id)
}

/** PSI averages from the psi.pressure check's details, read defensively (absent resources are left out). */
function pressureSamples(fact: HostFact): Array<[Labels, number]> {
  const pressure = check(fact, 'psi.pressure')?.details?.pressure
  if (!isObj(pressure)) return []
  const out: Array<[Labels, number]> = []
  for (const resource of PSI_RESOURCES) {
    const r = pressure[resource]
    if (!isObj(r)) continue
    for (const kind of PSI_KINDS) {
      const k = r[kind]
      if (!isObj(k)) continue
      for (const [key, window] of PSI_WINDOWS) {
        const v = k[key]
        if (typeof v === 'number' && Number.isFinite(v)) out.push([{ resource, kind, window }, v])
      }
    }
  }
  return out
}

const bool = (b: boolean): number => (b ? 1 : 0)

export function factToPrometheus(fact: HostFact): string {
  const w = new Writer()
  w.family('hyperscale_companion_schema_info', 'Schema version of the hsc inspect --json report these metrics come from, and the hsc version.', [
    [{ schema: String(fact.schema), version: fact.hsc }, 1]
  ])
  w.family('hyperscale_companion_last_run_timestamp_seconds', 'When hsc produced these metrics (Unix time).', [[{}, Date.parse(fact.generatedAt) / 1000]])
  w.family(
    'hyperscale_check_status',
    'Inspector check status: 1 for the current status of the check, 0 for the other statuses (ok, warn, fail, unknown).',
    fact.inspect.checks.flatMap((c) => CHECK_STATUSES.map((s): [Labels, number] => [{ check: c.id, group: c.group, status: s }, bool(c.status === s)]))
  )
  w.family(
    'hyperscale_checks',
    'Number of inspector checks per status.',
    CHECK_STATUSES.map((s) => [{ status: s }, fact.inspect.summary[s]])
  )
  w.family(
    'hyperscale_psi_average_percent',
    'Pressure stall information: share of time (percent) some or all tasks stalled on a resource, averaged over the window.',
    pressureSamples(fact)
  )
  const hs = check(fact, 'kernel.release')?.details?.hyperscale
  if (typeof hs === 'boolean')
    w.family('hyperscale_kernel_hyperscale_build', '1 when the running kernel is a Hyperscale SIG build (release marker .hs./.hsx./.hsk.), else 0.', [
      [{}, bool(hs)]
    ])
  if (fact.oomd.active !== null) w.family('hyperscale_oomd_active', '1 when systemd-oomd.service is active.', [[{}, bool(fact.oomd.active)]])
  if (fact.oomd.enabled !== null) w.family('hyperscale_oomd_enabled', '1 when systemd-oomd.service is enabled.', [[{}, bool(fact.oomd.enabled)]])
  if (!fact.repos.error) {
    w.family('hyperscale_repos_enabled', 'Number of enabled binary Hyperscale repositories.', [[{}, fact.repos.enabled.length]])
    w.family(
      'hyperscale_repo_enabled',
      'Configured Hyperscale repositories: 1 when enabled, 0 when disabled.',
      fact.repos.configured.map((r) => [{ repo: r.id, variant: r.variant, kind: r.kind, testing: String(r.testing) }, bool(r.enabled)])
    )
    w.family('hyperscale_packages_installed', 'Number of installed Hyperscale package builds.', [[{}, fact.repos.packages.length]])
  }
  return w.text()
}
