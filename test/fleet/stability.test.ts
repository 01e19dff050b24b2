import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildFact } from '../../src/main/services/fleet/fact'
import { factToPrometheus } from '../../src/main/services/fleet/prometheus'
import { runInspection } from '../../src/main/services/inspect/report'
import { runCommand } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'
import type { HostFact, RepoList } from '../../src/shared/contract'
import { PROJECT_ROOT } from '../support/paths'
import { hyperscaleRoot, stockRoot } from './roots'

/**
 * The committed contract of the fact and the textfile: check ids, metric names and label
 * names. Dashboards, alerts and Ansible conditionals key on these, so a change must be a
 * deliberate edit of stability.json (and the README), never a side effect.
 */
const STABLE = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fleet/stability.json'), 'utf8')) as {
  schema: number
  checkIds: string[]
  metrics: Record<string, string[]>
  fact: Record<string, string[]>
}

const roots = [stockRoot('stable-a'), hyperscaleRoot('stable-b')]
afterAll(() => roots.forEach((r) => r.cleanup()))

async function factOf(root: string): Promise<HostFact> {
  const fs = createRootFs(root)
  return buildFact({
    inspect: () => runInspection({ fs, run: runCommand }),
    repoList: async () =>
      ({
        repos: [
          {
            id: 'centos-hyperscale',
            enabled: true,
            hyperscale: { variant: 'main', testing: false, kind: 'binary', releasePackage: 'centos-release-hyperscale' }
          }
        ]
      }) as unknown as RepoList,
    installedBuilds: async () => [],
    // A manager that answers, so every metric family appears.
    oomdState: async () => ({ source: 'dbus', enabled: true, active: true, service: {} as never, socket: {} as never }),
    hostname: async () => 'stable',
    version: '0.0.0'
  })
}

/** metric name -> sorted label names, from the textfile. */
function families(text: string): Record<string, string[]> {
  const out: Record<string, Set<string>> = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? /.exec(line)
    if (!m || line.startsWith('#')) continue
    const labels = [...(m[2] ?? '').matchAll(/([a-z_]+)="(?:\\.|[^"\\])*"/g)].map((x) => x[1])
    for (const l of labels) (out[m[1]] ??= new Set()).add(l)
    out[m[1]] ??= new Set()
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]))
}

describe('stability of ids and label names (test/fleet/stability.json)', async () => {
  const facts = await Promise.all(roots.map((r) => factOf(r.root)))

  it('the schema version is the one inspect --json carries', () => {
    for (const f of facts) {
      expect(f.schema).toBe(STABLE.schema)
      expect(f.inspect.schema).toBe(STABLE.schema)
    }
  })

  it('check ids are exactly the committed list (a new, renamed or removed check is a deliberate change)', () => {
    const ids = [...new Set(facts.flatMap((f) => f.inspect.checks.map((c) => c.id)))].sort()
    const added = ids.filter((i) => !STABLE.checkIds.includes(i))
    const removed = STABLE.checkIds.filter((i) => !ids.includes(i))
    expect({ added, removed }, 'update test/fleet/stability.json (checkIds) and the README if this change is intended').toEqual({ added: [], removed: [] })
  })

  it('metric names and their label names are exactly the committed ones', () => {
    const seen: Record<string, string[]> = {}
    for (const f of facts) Object.assign(seen, families(factToPrometheus(f)))
    expect(seen, 'update test/fleet/stability.json (metrics) and the README if this change is intended').toEqual(STABLE.metrics)
  })

  it('fact keys are exactly the committed ones', () => {
    const f = facts[1]
    expect({ top: Object.keys(f).sort(), repos: Object.keys(f.repos).sort(), oomd: Object.keys(f.oomd).sort() }).toEqual(STABLE.fact)
  })

  it('the README documents every metric and the fact kind', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
    for (const name of Object.keys(STABLE.metrics)) expect(readme, name).toContain(name)
    expect(readme).toContain('hyperscale-companion.fact')
  })
})
