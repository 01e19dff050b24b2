import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIXTURES, HSC, PROJECT_ROOT } from '../support/paths'
import { rendererBuilt } from '../support/browser-mode'

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
const hsc = (...args: string[]) =>
  spawnSync(process.execPath, [HSC, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HSC_SETTINGS_FILE: path.join(os.tmpdir(), `hsc-cli-${process.pid}.json`) }
  })

describe.skipIf(!rendererBuilt)(`hsc CLI (built)${rendererBuilt ? '' : ' (skipped: run npm run build first)'}`, () => {
  it('prints its version and help', () => {
    expect(hsc('--version').stdout.trim()).toBe(`hsc ${pkg.version}`)
    const help = hsc('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/Usage: hsc COMMAND/)
    expect(help.stdout).toMatch(/inspect/)
  })

  it('exits 2 with a one-line reason on bad usage', () => {
    for (const args of [
      ['frobnicate'],
      ['inspect', '--frob'],
      ['inspect', 'extra'],
      ['inspect', '--root'],
      ['settings', 'set', 'nope=1'],
      ['inspect', '--root', '/no/such/dir']
    ]) {
      const r = hsc(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).toMatch(/^hsc: /)
    }
  })

  it('inspect --json is a stable, parseable report; --root reads a fixture tree', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hsc-root-'))
    mkdirSync(path.join(root, 'etc'))
    copyFileSync(path.join(FIXTURES, 'os-release/centos-stream-9'), path.join(root, 'etc/os-release'))
    const r = hsc('inspect', '--json', '--root', root)
    expect([0, 1]).toContain(r.status)
    const report = JSON.parse(r.stdout) as { schema: number; root: string; checks: Array<{ id: string; status: string; value: string }> }
    expect(report.schema).toBe(1)
    expect(report.root).toBe(root)
    const os_ = report.checks.find((c) => c.id === 'os.release')!
    expect(os_.value).toMatch(/CentOS Stream 9/)
    expect(os_.status).toBe('ok')
  })

  it('inspect exits 1 when a check fails and 0 otherwise (status follows the report)', () => {
    const r = hsc('inspect', '--json')
    const report = JSON.parse(r.stdout) as { summary: { fail: number } }
    expect(r.status).toBe(report.summary.fail > 0 ? 1 : 0)
  })

  it('settings set/show round-trips and rejects bad values with exit 2', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hsc-s-')), 's.json')
    const env = { ...process.env, HSC_SETTINGS_FILE: file }
    const run = (...a: string[]) => spawnSync(process.execPath, [HSC, ...a], { encoding: 'utf8', env })
    expect(run('settings', 'set', 'theme=dark').status).toBe(0)
    expect(JSON.parse(run('settings', 'show').stdout).theme).toBe('dark')
    const bad = run('settings', 'set', 'theme=neon')
    expect(bad.status).toBe(2)
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('dark')
    writeFileSync(file, '{corrupt')
    const recovered = run('settings', 'show')
    expect(recovered.status).toBe(0)
    expect(recovered.stderr).toMatch(/replaced by defaults/)
  })
})
