import { describe, expect, it } from 'vitest'
import { interpret } from '../../src/main/services/fleet/parse'
import { fleetReport } from '../../src/main/services/fleet/report'
import { fleetToHtml } from '../../src/main/services/fleet/render-html'
import { fleetToMarkdown } from '../../src/main/services/fleet/render-markdown'
import { fleetToText } from '../../src/main/services/fleet/render-text'
import { loadHosts, type FleetFiles, type LoadedHost } from '../../src/main/services/fleet/sources'

type C = {
  id: string
  group: string
  title?: string
  status: string
  value?: string
  remedy?: { text: string; command?: string }
  details?: Record<string, unknown>
}

function report(checks: C[]): Record<string, unknown> {
  return {
    schema: 1,
    generatedAt: '2026-11-30T00:00:00.000Z',
    root: '/',
    durationMs: 1,
    summary: { ok: 99, warn: 0, fail: 0, unknown: 0 },
    checks: checks.map((c) => ({ title: c.id, value: '', evidence: [], ...c }))
  }
}
const fact = (checks: C[], repos = { enabled: ['centos-hyperscale'], configured: [], packages: [] }) => ({
  schema: 1,
  kind: 'hyperscale-companion.fact',
  hsc: '0.1.0',
  generatedAt: '2026-11-30T00:00:00.000Z',
  hostname: 'h',
  inspect: report(checks),
  repos,
  oomd: { source: 'dbus', enabled: true, active: true }
})

/** An in-memory FleetFiles: a map of paths to contents; directories are the paths' parents. */
function memFiles(files: Record<string, string>): FleetFiles {
  return {
    kind: async (p) => (p in files ? 'file' : Object.keys(files).some((f) => f.startsWith(p + '/')) ? 'dir' : null),
    list: async (dir) =>
      Object.keys(files)
        .filter((f) => f.startsWith(dir + '/'))
        .map((f) => f.slice(dir.length + 1)),
    read: async (p, max) => {
      if (files[p].length > max) throw new Error('too large')
      return files[p]
    }
  }
}

const PSI_WARN: C = {
  id: 'psi.state',
  group: 'psi',
  title: 'PSI',
  status: 'warn',
  value: 'off at boot',
  remedy: { text: 'add psi=1', command: 'grubby --update-kernel=ALL --args=psi=1' }
}
const PSI_OK: C = { id: 'psi.state', group: 'psi', title: 'PSI', status: 'ok', value: 'available' }

describe('interpret: every input shape', () => {
  const checks = [PSI_OK]
  it('Ansible jsonfile cache entry (ansible_local.hyperscale)', () =>
    expect(interpret({ ansible_local: { hyperscale: fact(checks) }, ansible_hostname: 'x' }).kind).toBe('fact'))
  it('ansible -m setup output (ansible_facts.ansible_local.hyperscale)', () =>
    expect(interpret({ ansible_facts: { ansible_local: { hyperscale: fact(checks) } } }).kind).toBe('fact'))
  it('the fact itself and a bare inspect report', () => {
    expect(interpret(fact(checks)).kind).toBe('fact')
    expect(interpret(report(checks)).kind).toBe('inspect')
  })
  it('recomputes the summary instead of trusting it', () => {
    const r = interpret(report([PSI_WARN, PSI_OK]))
    expect(r.kind === 'inspect' && r.report.summary).toEqual({ ok: 1, warn: 1, fail: 0, unknown: 0 })
  })
  it('a host whose fact failed, a host without it, another schema, junk', () => {
    expect(interpret({ ansible_local: { hyperscale: 'error loading fact - output of running "/x" was not valid JSON' } })).toMatchObject({
      kind: 'error',
      error: /did not run cleanly/
    })
    expect(interpret({ ansible_local: {} })).toMatchObject({ kind: 'error', error: /hsc facts install/ })
    expect(interpret({ ...fact(checks), schema: 2 })).toMatchObject({ kind: 'error', error: /schema 2/ })
    expect(interpret({ ...report(checks), schema: 7 })).toMatchObject({ kind: 'error', error: /schema 7/ })
    expect(interpret([1, 2])).toMatchObject({ kind: 'error' })
    expect(interpret({ checks: [{ id: 'a b', group: 'x', title: 't', status: 'ok', value: '' }], schema: 1 })).toMatchObject({
      kind: 'error',
      error: /check ids/
    })
    expect(interpret({ checks: [{ id: 'a', group: 'x', title: 't', status: 'bad', value: '' }], schema: 1 })).toMatchObject({
      kind: 'error',
      error: /malformed inspect report/
    })
  })
  it('does not recurse into a fact nested in a fact', () => {
    expect(interpret({ ansible_local: { hyperscale: { ansible_local: { hyperscale: fact(checks) } } } }).kind).toBe('error')
  })
  it('replaces terminal control characters and bidi overrides', () => {
    const r = interpret(report([{ ...PSI_WARN, title: 'P\u001b[2JSI\u202e', remedy: { text: 'x\u0007' } }]))
    expect(r.kind === 'inspect' && r.report.checks[0].title).toBe('P\ufffd[2JSI\ufffd')
    expect(r.kind === 'inspect' && r.report.checks[0].remedy?.text).toBe('x\ufffd')
  })
})

async function build(files: Record<string, string>, paths: string[]) {
  return fleetReport(await loadHosts(paths, memFiles(files)), new Date('2026-11-30T01:00:00Z'))
}

describe('fleetReport: grouping by what differs', () => {
  const KOK: C = { id: 'kernel.release', group: 'kernel', title: 'Kernel', status: 'ok', details: { hyperscale: true } }
  const KWARN: C = { id: 'kernel.release', group: 'kernel', title: 'Kernel', status: 'warn', value: 'stock', details: { hyperscale: false } }
  const SEL: C = { id: 'selinux', group: 'security', title: 'SELinux', status: 'ok' }
  const files = {
    '/c/web-1': JSON.stringify({ ansible_local: { hyperscale: fact([SEL, PSI_WARN, KWARN]) } }),
    '/c/web-2': JSON.stringify({ ansible_local: { hyperscale: fact([SEL, PSI_WARN, KWARN]) } }),
    '/c/web-10': JSON.stringify({ ansible_local: { hyperscale: fact([SEL, PSI_WARN, KWARN]) } }),
    '/c/db-1': JSON.stringify({ ansible_local: { hyperscale: fact([SEL, PSI_OK, KOK]) } }),
    '/c/.hidden': 'ignored',
    '/saved/laptop.json': JSON.stringify(report([SEL, PSI_OK, KWARN])),
    '/saved/broken.json': '{"schema": 1, "checks": [',
    '/other/web-1.json': JSON.stringify(report([SEL, PSI_OK, KOK]))
  }

  it('folds agreeing checks, makes a column of each differing one, a row per status profile', async () => {
    const r = await build(files, ['/c', '/saved/laptop.json'])
    expect(r.hosts.map((h) => h.name)).toEqual(['db-1', 'web-1', 'web-10', 'web-2', 'laptop'])
    expect(r.uniform).toEqual([{ id: 'selinux', group: 'security', title: 'SELinux', status: 'ok', hosts: 5 }])
    // Columns in the inspector's group order (kernel before psi), whatever order the reports list them in.
    expect(r.columns.map((c) => c.id)).toEqual(['kernel.release', 'psi.state'])
    expect(r.profiles).toEqual([
      { hosts: ['web-1', 'web-2', 'web-10'], statuses: { 'kernel.release': 'warn', 'psi.state': 'warn' } },
      { hosts: ['db-1'], statuses: { 'kernel.release': 'ok', 'psi.state': 'ok' } },
      { hosts: ['laptop'], statuses: { 'kernel.release': 'warn', 'psi.state': 'ok' } }
    ])
    expect(r.remedies.map((g) => [g.check, g.status, g.hosts])).toEqual([
      ['kernel.release', 'warn', ['laptop', 'web-1', 'web-2', 'web-10']],
      ['psi.state', 'warn', ['web-1', 'web-2', 'web-10']]
    ])
    expect(r.hosts.find((h) => h.name === 'web-1')).toMatchObject({ kind: 'fact', hyperscaleKernel: false, reposEnabled: 1, packagesInstalled: 0 })
    expect(r.hosts.find((h) => h.name === 'laptop')).toMatchObject({ kind: 'inspect', reposEnabled: null })
  })

  it('a check missing on some host is a difference, not agreement', async () => {
    const r = await build({ '/a.json': JSON.stringify(report([SEL, PSI_OK])), '/b.json': JSON.stringify(report([SEL])) }, ['/a.json', '/b.json'])
    expect(r.columns.map((c) => c.id)).toEqual(['psi.state'])
    expect(r.profiles.map((p) => p.statuses)).toEqual([{ 'psi.state': 'ok' }, {}])
    expect(fleetToText(r)).toMatch(/^b \(1\) +-$/m)
  })

  it('colliding names get their path; unreadable files are hosts with a reason', async () => {
    const r = await build(files, ['/c/web-1', '/other/web-1.json', '/saved/broken.json'])
    expect(r.hosts.map((h) => h.name)).toEqual(['/c/web-1', '/other/web-1.json', 'broken'])
    expect(r.hosts[2]).toMatchObject({ kind: 'error', error: /not JSON/ })
  })

  it('a missing path is a usage error; an oversized file an unreadable host', async () => {
    await expect(build(files, ['/nope'])).rejects.toMatchObject({ name: 'UsageError' })
    const big = await fleetReport(
      await loadHosts(['/big'], { ...memFiles({ '/big': 'x' }), read: async () => Promise.reject(new Error('larger than 16 MiB')) })
    )
    expect(big.hosts[0]).toMatchObject({ kind: 'error', error: /larger than/ })
  })
})

describe('renderers escape what hosts wrote', () => {
  const evil = '<script>alert(1)</script>|**x**`y`'
  const hostile: C = {
    id: 'evil.check',
    group: '<b>g</b>',
    title: evil,
    status: 'fail',
    value: `v ${evil}`,
    remedy: { text: `r ${evil} "q" 'a' &amp;`, command: 'echo `x` | <y>' }
  }
  const loaded: LoadedHost[] = []
  const r = () => fleetReport(loaded, new Date('2026-11-30T01:00:00Z'))

  it('HTML: no tag, attribute or entity from a host survives unescaped', async () => {
    loaded.push(
      ...(await loadHosts(
        ['/d'],
        memFiles({ '/d/<img src=x onerror=alert(1)>': JSON.stringify(report([hostile])), '/d/ok': JSON.stringify(report([{ ...hostile, status: 'ok' }])) })
      ))
    )
    const page = fleetToHtml(r())
    expect(page).not.toMatch(/<script|<img|<b>/i)
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('&quot;q&quot; &#39;a&#39; &amp;amp;')
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`)
    // Only the renderer's own tags remain.
    const tags = new Set([...page.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1].toLowerCase()))
    expect([...tags].sort()).toEqual([
      'body',
      'br',
      'code',
      'h1',
      'h2',
      'head',
      'html',
      'li',
      'meta',
      'p',
      'small',
      'span',
      'style',
      'table',
      'tbody',
      'td',
      'th',
      'thead',
      'title',
      'tr',
      'ul'
    ])
  })

  it('Markdown: pipes and markup are escaped, the table keeps its columns', () => {
    const md = fleetToMarkdown(r())
    expect(md).not.toContain('<script>')
    const row = md.split('\n').find((l) => l.startsWith('| \\<img'))!
    expect(row.split(/(?<!\\)\|/).length).toBe(4)
    expect(md).toContain('\\*\\*x\\*\\*')
    expect(md).toContain('  - run: ``echo `x` | <y>``')
  })
})
