import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { FleetReport, InspectReport } from '../../src/shared/contract'
import { runCommand } from '../../src/main/services/system/command'
import { runHsc } from '../support/hsc'
import { HSC, isRoot } from '../support/paths'
import { hyperscaleRoot, stockRoot } from './roots'
import { tmpDir } from './support'

const asNobody = (args: string[]) =>
  runCommand(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, HSC, '--no-color', ...args], { timeoutMs: 60_000 })
// The checkout must be readable by nobody (a clone under /root is not).
const nobodyCanRun = isRoot && (await asNobody(['--version']).catch(() => ({ code: 1 }))).code === 0
const tmp = tmpDir('hsc-fleet-cli-')
const stock = stockRoot('stock.example')
const hs = hyperscaleRoot('hs.example')
afterAll(() => {
  stock.cleanup()
  hs.cleanup()
  tmp.cleanup()
})
const sub = (name: string): string => path.join(tmp.dir, name)

describe('hsc facts install / uninstall', () => {
  it('refuses to overwrite a hyperscale.fact it did not write, and leaves it as it was', async () => {
    const dir = sub('foreign')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'hyperscale.fact'), '#!/bin/sh\necho "{}"\n')
    const res = await runHsc(['facts', 'install', '--dir', dir])
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/exists and was not written by hsc/)
    expect(readFileSync(path.join(dir, 'hyperscale.fact'), 'utf8')).toBe('#!/bin/sh\necho "{}"\n')
    const un = await runHsc(['facts', 'uninstall', '--dir', dir])
    expect(un.status).toBe(1)
    expect(existsSync(path.join(dir, 'hyperscale.fact'))).toBe(true)
  })

  it.each([
    ['a space', 'with space'],
    ['a quote', "it's"],
    ['a dollar', 'a$HOME'],
    ['a percent (systemd specifier)', '%h']
  ])('refuses a directory with %s (exit 2, nothing written)', async (_why, name) => {
    const dir = path.join(sub('bad'), name)
    const res = await runHsc(['facts', 'install', '--dir', dir])
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/cannot go into a fact script or a systemd unit/)
    expect(existsSync(dir)).toBe(false)
  })

  it.skipIf(!nobodyCanRun)('as an unprivileged user: a sentence saying to run it as root, not an errno', async () => {
    const dir = sub('nobody-parent')
    mkdirSync(dir, { mode: 0o755 })
    const res = await asNobody(['facts', 'install', '--dir', path.join(dir, 'facts.d')])
    expect(res.code).toBe(1)
    // The test's temp dir is private (0700): nobody cannot even look for an existing fact.
    expect(res.stderr).toMatch(/^hsc: cannot read .*facts\.d\/hyperscale\.fact: permission denied \(.*run them as root/)
    expect(existsSync(path.join(dir, 'facts.d'))).toBe(false)
    chmodSync(tmp.dir, 0o755)
    try {
      const res2 = await asNobody(['facts', 'install', '--dir', path.join(dir, 'facts.d')])
      expect(res2.code).toBe(1)
      expect(res2.stderr).toMatch(/^hsc: cannot write .*facts\.d: permission denied \(.*run them as root/)
    } finally {
      chmodSync(tmp.dir, 0o700)
    }
  })

  it('--unit-dir needs --prometheus', async () => {
    expect((await runHsc(['facts', 'install', '--dir', sub('u'), '--unit-dir', sub('units')])).status).toBe(2)
  })

  it('installs again over its own fact, and uninstall is idempotent', async () => {
    const dir = sub('again')
    expect((await runHsc(['facts', 'install', '--dir', dir, '--fact-root', stock.root])).status).toBe(0)
    expect((await runHsc(['facts', 'install', '--dir', dir, '--fact-root', hs.root])).status).toBe(0)
    expect(readFileSync(path.join(dir, 'hyperscale.fact'), 'utf8')).toContain(`'--root' '${hs.root}'`)
    expect(readdirSync(dir)).toEqual(['hyperscale.fact'])
    expect((await runHsc(['facts', 'uninstall', '--dir', dir])).status).toBe(0)
    const second = await runHsc(['facts', 'uninstall', '--dir', dir])
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(/Nothing to remove/)
  })

  it('uninstall keeps a listed unit that someone replaced with their own file', async () => {
    const dir = sub('kept')
    const units = sub('kept-units')
    const prom = sub('kept-prom')
    expect((await runHsc(['facts', 'install', '--dir', dir, '--prometheus', prom, '--unit-dir', units, '--fact-root', stock.root])).status).toBe(0)
    const service = path.join(units, 'hyperscale-companion-textfile.service')
    writeFileSync(service, '[Service]\nExecStart=/bin/true\n')
    const res = await runHsc(['facts', 'uninstall', '--dir', dir, '--json'])
    expect(res.status).toBe(0)
    const r = JSON.parse(res.stdout)
    expect(r.kept).toEqual([{ path: service, why: 'not written by hsc' }])
    expect(readdirSync(units)).toEqual(['hyperscale-companion-textfile.service'])
    expect(readdirSync(prom)).toEqual([])
  })

  it('facts show --output writes the file atomically and prints nothing', async () => {
    const out = sub('fact.json')
    const res = await runHsc(['facts', 'show', '--root', stock.root, '--output', out])
    expect(res.status).toBe(0)
    expect(res.stdout).toBe('')
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ kind: 'hyperscale-companion.fact', hostname: 'stock.example' })
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect((await runHsc(['facts', 'show', '--format', 'yaml'])).status).toBe(2)
  })
})

describe('hsc inspect --format', () => {
  it('json and markdown are the same as --json and --markdown', async () => {
    const a = JSON.parse((await runHsc(['inspect', '--json', '--root', stock.root])).stdout) as InspectReport
    const b = JSON.parse((await runHsc(['inspect', '--format', 'json', '--root', stock.root])).stdout) as InspectReport
    expect(b.checks.map((c) => [c.id, c.status])).toEqual(a.checks.map((c) => [c.id, c.status]))
    const md = await runHsc(['inspect', '--format', 'markdown', '--root', stock.root])
    const md2 = await runHsc(['inspect', '--markdown', '--root', stock.root])
    expect(md.stdout.replace(/[0-9.]+ ms|\d{4}-\d\d-\d\dT[0-9:.]+Z/g, '')).toBe(md2.stdout.replace(/[0-9.]+ ms|\d{4}-\d\d-\d\dT[0-9:.]+Z/g, ''))
    expect((await runHsc(['inspect', '--format', 'xml'])).status).toBe(2)
  })

  it('prometheus prints the textfile format for the root', async () => {
    const res = await runHsc(['inspect', '--format', 'prometheus', '--root', hs.root])
    expect(res.stdout).toMatch(/^hyperscale_companion_schema_info\{schema="1",version="[^"]+"\} 1$/m)
    expect(res.stdout).toMatch(/^hyperscale_kernel_hyperscale_build 1$/m)
    expect(res.stdout).toMatch(/^hyperscale_check_status\{check="psi.state",group="psi",status="ok"\} 1$/m)
  })
})

describe('hsc fleet report from saved reports', () => {
  it('reads `hsc inspect --json --root` files and renders HTML; rejects two formats at once', async () => {
    const files: string[] = []
    for (const [name, r] of [
      ['stock', stock.root],
      ['hs', hs.root]
    ] as const) {
      const file = sub(`${name}.json`)
      await runHsc(['inspect', '--root', r, '--output', file])
      files.push(file)
    }
    const json = await runHsc(['fleet', 'report', ...files, '--json'])
    const report = JSON.parse(json.stdout) as FleetReport
    expect(report.hosts.map((h) => [h.name, h.kind])).toEqual([
      ['stock', 'inspect'],
      ['hs', 'inspect']
    ])
    expect(report.remedies.find((r) => r.check === 'psi.state')?.hosts).toEqual(['stock'])
    const page = await runHsc(['fleet', 'report', ...files, '--html'])
    expect(page.stdout).toMatch(/^<!doctype html>/)
    expect(page.stdout).toContain('<th scope="row">stock (1)</th>')
    expect((await runHsc(['fleet', 'report', ...files, '--html', '--markdown'])).status).toBe(2)
    expect((await runHsc(['fleet', 'report', sub('missing.json')])).status).toBe(2)
  })

  it('hsc --help lists facts and fleet', async () => {
    const help = await runHsc(['--help'])
    expect(help.stdout).toMatch(/^ {2}facts +Ansible local fact/m)
    expect(help.stdout).toMatch(/^ {2}fleet +Report on many hosts/m)
  })
})
