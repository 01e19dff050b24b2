import { readFileSync, realpathSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FleetReport, HostFact } from '../../src/shared/contract'
import { runCommand } from '../../src/main/services/system/command'
import { runHsc } from '../support/hsc'
import { HSC } from '../support/paths'
import { hyperscaleRoot, stockRoot } from './roots'
import { ansibleEnv, have, installHyperscaleBuild, tmpDir } from './support'

const haveAnsible = await have(['ansible', '--version'])
const GRUBBY_PSI = 'grubby --update-kernel=ALL --args=psi=1'

/** `ansible ... -m setup` prints "host | SUCCESS => {json}" per host. */
function adhocJson(stdout: string, host: string): { ansible_facts: { ansible_local: { hyperscale: HostFact } } } {
  const start = stdout.indexOf(`${host} | SUCCESS => `)
  if (start === -1) throw new Error(`no SUCCESS for ${host} in:\n${stdout}`)
  const body = stdout.slice(stdout.indexOf('{', start))
  // Each host's JSON ends at the first line that is exactly "}".
  return JSON.parse(body.slice(0, body.indexOf('\n}') + 2))
}

describe.skipIf(!haveAnsible)('Ansible local fact (real ansible-core)', () => {
  const tmp = tmpDir('hsc-fleet-ansible-')
  const roots = { 'stock-a': stockRoot('stock-a.example'), 'stock-b': stockRoot('stock-b.example'), 'hs-1': hyperscaleRoot('hs-1.example') }
  const factDir = (host: string): string => path.join(tmp.dir, `facts-${host}`)
  afterAll(() => {
    for (const r of Object.values(roots)) r.cleanup()
    tmp.cleanup()
  })

  beforeAll(async () => {
    await installHyperscaleBuild(roots['hs-1'].root, tmp.dir)
    for (const [host, r] of Object.entries(roots)) {
      const res = await runHsc(['facts', 'install', '--dir', factDir(host), '--fact-root', r.root])
      if (res.status !== 0) throw new Error(`facts install ${host}: ${res.stderr}`)
    }
  }, 240_000)

  it('installs an executable fact that calls node and hsc by absolute path and runs with an empty PATH', async () => {
    const fact = path.join(factDir('hs-1'), 'hyperscale.fact')
    expect(statSync(fact).mode & 0o777).toBe(0o755)
    const text = readFileSync(fact, 'utf8')
    expect(text.startsWith('#!/bin/sh\n')).toBe(true)
    expect(text).toContain(`exec '${process.execPath}' '${realpathSync(HSC)}' '--no-color' 'facts' 'show' '--root' '${roots['hs-1'].root}'`)
    const res = await runCommand(['/usr/bin/env', '-i', fact], { timeoutMs: 60_000 })
    expect(res.code, res.stderr).toBe(0)
    const doc = JSON.parse(res.stdout) as HostFact
    expect(res.stdout.trim().split('\n')).toHaveLength(1)
    expect(doc).toMatchObject({ schema: 1, kind: 'hyperscale-companion.fact', hostname: 'hs-1.example' })
  }, 60_000)

  it('`ansible localhost -c local -m setup -a filter=ansible_local` returns the fact from fact_path', async () => {
    const res = await runCommand(
      ['ansible', 'localhost', '-i', 'localhost,', '-c', 'local', '-m', 'setup', '-a', `filter=ansible_local fact_path=${factDir('hs-1')}`],
      {
        env: ansibleEnv(tmp.dir),
        timeoutMs: 180_000
      }
    )
    expect(res.code, res.stdout + res.stderr).toBe(0)
    const hs = adhocJson(res.stdout, 'localhost').ansible_facts.ansible_local.hyperscale
    expect(hs).toMatchObject({ schema: 1, kind: 'hyperscale-companion.fact', hostname: 'hs-1.example' })
    expect(hs.inspect.schema).toBe(1)
    expect(hs.inspect.checks.find((c) => c.id === 'kernel.release')).toMatchObject({ status: 'ok', details: { hyperscale: true } })
    expect(hs.repos.enabled).toEqual(['centos-hyperscale', 'centos-hyperscale-kernel'])
    expect(hs.repos.packages).toMatchObject([{ name: 'hsc-fleet-probe', release: '1.hs1.hsx.el9', marker: 'hsx', variant: 'experimental' }])
    expect(hs.oomd).toEqual({ source: 'offline-root', enabled: false, active: null })
  }, 180_000)

  describe('a jsonfile fact cache of four hosts', () => {
    const cache = path.join(tmp.dir, 'cache')
    let report: FleetReport
    let status: number | null

    beforeAll(async () => {
      const inventory = path.join(tmp.dir, 'inventory.ini')
      writeFileSync(
        inventory,
        [
          '[fleet]',
          ...Object.keys(roots).map((h) => `${h} fact_dir=${factDir(h)}`),
          // A host where nobody ran `hsc facts install`.
          `bare fact_dir=${path.join(tmp.dir, 'facts-none')}`,
          '[fleet:vars]',
          'ansible_connection=local',
          ''
        ].join('\n')
      )
      const res = await runCommand(
        ['ansible', 'fleet', '-i', inventory, '-m', 'setup', '-a', 'gather_subset=!all,!min,local filter=ansible_local fact_path={{ fact_dir }}'],
        {
          env: ansibleEnv(tmp.dir, { ANSIBLE_CACHE_PLUGIN: 'jsonfile', ANSIBLE_CACHE_PLUGIN_CONNECTION: cache }),
          timeoutMs: 300_000
        }
      )
      if (res.code !== 0) throw new Error(`ansible failed: ${res.stdout}\n${res.stderr}`)
      const r = await runHsc(['fleet', 'report', cache, '--json'])
      status = r.status
      report = JSON.parse(r.stdout)
    }, 300_000)

    it('Ansible wrote one cache file per host with the fact under ansible_local.hyperscale', () => {
      expect(readdirSync(cache).sort()).toEqual(['bare', 'hs-1', 'stock-a', 'stock-b'])
      const entry = JSON.parse(readFileSync(path.join(cache, 'stock-a'), 'utf8'))
      expect(entry.ansible_local.hyperscale.kind).toBe('hyperscale-companion.fact')
      expect(JSON.parse(readFileSync(path.join(cache, 'bare'), 'utf8')).ansible_local).toEqual({})
    })

    it('names hosts after the inventory and reports the host without the fact as unreadable (exit 1)', () => {
      expect(report.hosts.map((h) => [h.name, h.kind])).toEqual([
        ['bare', 'error'],
        ['hs-1', 'fact'],
        ['stock-a', 'fact'],
        ['stock-b', 'fact']
      ])
      expect(report.hosts[0].error).toMatch(/no hyperscale local fact.*hsc facts install/)
      expect(report.hosts.find((h) => h.name === 'hs-1')).toMatchObject({ hyperscaleKernel: true, reposEnabled: 2, packagesInstalled: 1 })
      expect(report.hosts.find((h) => h.name === 'stock-a')).toMatchObject({ hyperscaleKernel: false, reposEnabled: 0, packagesInstalled: 0 })
      expect(status).toBe(1)
    })

    it('groups the two stock hosts into one row and the Hyperscale host into another', () => {
      expect(report.profiles.map((p) => p.hosts)).toEqual([['stock-a', 'stock-b'], ['hs-1']])
      const cols = report.columns.map((c) => c.id)
      expect(cols).toEqual(expect.arrayContaining(['kernel.release', 'psi.state', 'psi.pressure', 'btrfs.kernel']))
      expect(report.profiles[0].statuses).toMatchObject({ 'kernel.release': 'warn', 'psi.state': 'warn' })
      expect(report.profiles[1].statuses).toMatchObject({ 'kernel.release': 'ok', 'psi.state': 'ok' })
      // What every host agrees on is folded away, not repeated per host.
      expect(report.uniform.map((u) => u.id)).toEqual(expect.arrayContaining(['os.release', 'cgroup.mode', 'selinux']))
      expect(cols).not.toContain('os.release')
    })

    it('gives the remedy once per failing group: 2 hosts with PSI off at boot -> psi=1', () => {
      const psi = report.remedies.find((r) => r.check === 'psi.state')
      expect(psi).toMatchObject({ status: 'warn', hosts: ['stock-a', 'stock-b'], remedy: { command: GRUBBY_PSI } })
      expect(psi?.value).toMatch(/off at boot/)
    })

    it('renders the same groups as text and Markdown', async () => {
      const text = await runHsc(['fleet', 'report', cache])
      expect(text.stdout).toMatch(/^stock-a, stock-b \(2\) +warn/m)
      expect(text.stdout).toMatch(/2 hosts: Pressure stall information[^\n]*off at boot[^\n]*→[^\n]*psi=1/)
      expect(text.stdout).toContain(`$ ${GRUBBY_PSI}`)
      expect(text.stdout).toMatch(/bare \(.*\): no hyperscale local fact/)
      const md = await runHsc(['fleet', 'report', cache, '--markdown'])
      expect(md.stdout).toMatch(/^\| stock-a, stock-b \(2\) \| /m)
      expect(md.stdout).toContain(`  - run: \`${GRUBBY_PSI}\``)
    })
  })

  it('uninstall removes the fact it installed and leaves the directory', async () => {
    const res = await runHsc(['facts', 'uninstall', '--dir', factDir('stock-a')])
    expect(res.status, res.stderr).toBe(0)
    expect(readdirSync(factDir('stock-a'))).toEqual([])
  })
})
