import { afterAll, describe, expect, it } from 'vitest'
import { buildFact, type FactSources } from '../../src/main/services/fleet/fact'
import { CHECK_STATUSES, escapeLabel, factToPrometheus } from '../../src/main/services/fleet/prometheus'
import { runInspection } from '../../src/main/services/inspect/report'
import { runCommand } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'
import type { CheckGroup, OomdState, RepoList } from '../../src/shared/contract'
import { hyperscaleRoot } from './roots'

const host = hyperscaleRoot('prom-unit.example')
afterAll(() => host.cleanup())

const state = (source: OomdState['source'], active: boolean): OomdState => {
  const u = { unit: 'systemd-oomd.service', loadState: 'loaded', activeState: active ? 'active' : 'inactive', subState: 'running', unitFileState: 'enabled' }
  return { source, service: u, socket: { ...u, unit: 'systemd-oomd.socket' }, enabled: true, active }
}
const list = (repos: Array<{ id: string; enabled: boolean }>): RepoList =>
  ({
    reposDir: '/etc/yum.repos.d',
    vars: {},
    files: [],
    problems: [],
    dnf: { major: 4, version: '4.14.0', targetArgs: [] },
    repos: repos.map((r) => ({ ...r, hyperscale: { variant: 'main', testing: false, kind: 'binary', releasePackage: 'centos-release-hyperscale' } }))
  }) as unknown as RepoList

function sources(over: Partial<FactSources> = {}): FactSources {
  const fs = createRootFs(host.root)
  return {
    inspect: () => runInspection({ fs, run: runCommand }),
    repoList: async () =>
      list([
        { id: 'centos-hyperscale', enabled: true },
        { id: 'centos-hyperscale-experimental', enabled: false }
      ]),
    installedBuilds: async () => [],
    oomdState: async () => state('dbus', true),
    hostname: async () => 'prom-unit.example',
    version: '9.9.9',
    now: () => new Date('2026-11-30T00:00:00Z'),
    ...over
  }
}

/** One sample line of the text exposition format 0.0.4. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*",?)*\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$/

describe('factToPrometheus', async () => {
  const fact = await buildFact(sources())
  const text = factToPrometheus(fact)
  const lines = text.trimEnd().split('\n')

  it('every line is HELP, TYPE or a sample; every family has HELP and TYPE gauge before its samples', () => {
    const seen = new Set<string>()
    for (const l of lines) {
      if (l.startsWith('# HELP ')) seen.add(l.split(' ')[2])
      else if (l.startsWith('# TYPE ')) expect(l).toMatch(/^# TYPE [a-z_]+ gauge$/)
      else {
        const m = SAMPLE.exec(l)
        expect(m, l).not.toBeNull()
        expect(seen.has(m![1]), `${m![1]} without HELP`).toBe(true)
      }
    }
    expect(text.endsWith('\n')).toBe(true)
  })

  it('carries the schema of inspect --json and the hsc version', () => {
    expect(fact.schema).toBe(fact.inspect.schema)
    expect(lines).toContain(`hyperscale_companion_schema_info{schema="${fact.inspect.schema}",version="9.9.9"} 1`)
    expect(lines).toContain('hyperscale_companion_last_run_timestamp_seconds 1795996800')
  })

  it("one-hot status per check: exactly one of ok/warn/fail/unknown is 1, and it is the check's status", () => {
    for (const c of fact.inspect.checks) {
      const mine = CHECK_STATUSES.map((s) => lines.find((l) => l.startsWith(`hyperscale_check_status{check="${c.id}",group="${c.group}",status="${s}"} `)))
      expect(mine.every(Boolean), c.id).toBe(true)
      expect(mine.map((l) => l!.endsWith(' 1'))).toEqual(CHECK_STATUSES.map((s) => s === c.status))
    }
    for (const s of CHECK_STATUSES) expect(lines).toContain(`hyperscale_checks{status="${s}"} ${fact.inspect.summary[s]}`)
  })

  it('key numbers: PSI averages from the fixture, Hyperscale kernel, oomd, repos', () => {
    expect(lines).toContain('hyperscale_psi_average_percent{resource="cpu",kind="some",window="10s"} 1.25')
    expect(lines).toContain('hyperscale_psi_average_percent{resource="io",kind="full",window="300s"} 0.1')
    expect(lines.filter((l) => l.startsWith('hyperscale_psi_average_percent{'))).toHaveLength(18)
    expect(lines).toContain('hyperscale_kernel_hyperscale_build 1')
    expect(lines).toContain('hyperscale_oomd_active 1')
    expect(lines).toContain('hyperscale_oomd_enabled 1')
    expect(lines).toContain('hyperscale_repos_enabled 1')
    expect(lines).toContain('hyperscale_repo_enabled{repo="centos-hyperscale-experimental",variant="main",kind="binary",testing="false"} 0')
    expect(lines).toContain('hyperscale_packages_installed 0')
  })

  it('leaves out what is not known instead of reporting 0', async () => {
    const t = factToPrometheus(
      await buildFact(sources({ oomdState: async () => state('unit-files', false), repoList: () => Promise.reject(new Error('dnf missing')) }))
    )
    expect(t).not.toMatch(/^hyperscale_oomd_active /m)
    expect(t).toMatch(/^hyperscale_oomd_enabled 1$/m)
    expect(t).not.toMatch(/^hyperscale_repos_enabled /m)
  })

  it('a failing part degrades the fact instead of failing it', async () => {
    const f = await buildFact(sources({ oomdState: () => Promise.reject(new Error('no bus')), installedBuilds: () => Promise.reject(new Error('rpm broke')) }))
    expect(f.oomd).toEqual({ source: 'unavailable', enabled: null, active: null })
    expect(f.repos.error).toBe('installed packages: rpm broke')
    expect(f.repos.enabled).toEqual(['centos-hyperscale'])
  })

  it('escapes label values (backslash, quote, newline) so any check id stays one valid sample', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
    const odd = { ...fact, inspect: { ...fact.inspect, checks: [{ ...fact.inspect.checks[0], id: 'x"} 1\nevil 2', group: 'g\\' as CheckGroup }] } }
    const t = factToPrometheus(odd).trimEnd().split('\n')
    for (const l of t) if (!l.startsWith('#')) expect(l, l).toMatch(SAMPLE)
    expect(t.some((l) => l.startsWith('evil'))).toBe(false)
  })
})
