// `npm run rpm` refuses to start, with one sentence naming what is missing, when the tree it
// would package is incomplete or the spec is out of date. Nothing is built in these cases.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'

const SCRIPT = path.join(PROJECT_ROOT, 'scripts/packaging/rpm.mjs')
let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

/** A project with the spec and package.json, plus the given files. */
function project(files: string[], edit: (spec: string) => string = (s) => s): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-rpm-script-'))
  dirs.push(dir)
  for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(PROJECT_ROOT, f), path.join(dir, f))
  mkdirSync(path.join(dir, 'packaging/rpm'), { recursive: true })
  writeFileSync(
    path.join(dir, 'packaging/rpm/hyperscale-companion.spec'),
    edit(readFileSync(path.join(PROJECT_ROOT, 'packaging/rpm/hyperscale-companion.spec'), 'utf8'))
  )
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true })
    writeFileSync(path.join(dir, f), 'x')
  }
  return dir
}
const rpm = (dir: string) =>
  spawnSync(process.execPath, [SCRIPT, '--project', dir, '--node-modules', path.join(PROJECT_ROOT, 'node_modules'), '--outdir', path.join(dir, 'dist')], {
    encoding: 'utf8'
  })
const BUILT = ['out/cli/hsc.cjs', 'out/renderer/index.html', 'LICENSE']
const HELPER = ['libexec/hsc-root-helper', 'out/root-helper/hsc-root-helper.mjs', 'packaging/polkit/org.centos.hyperscale.companion.policy']

describe('npm run rpm on an incomplete tree', () => {
  it('names the root helper files when they are missing, and builds nothing', () => {
    const dir = project(BUILT)
    const r = rpm(dir)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(
      'npm run rpm: files the spec installs are missing: libexec/hsc-root-helper (the root helper launcher for configuration writes); out/root-helper/hsc-root-helper.mjs'
    )
    expect(r.stderr).toContain('packaging/polkit/org.centos.hyperscale.companion.policy (the polkit action for the root helper)')
    expect(r.stderr).toContain('Nothing was built.')
    expect(spawnSync('ls', [path.join(dir, 'dist')]).status).not.toBe(0)
  })

  it('asks for `npm run build` when out/ is missing', () => {
    const r = rpm(project(['LICENSE', ...HELPER]))
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/out\/cli\/hsc\.cjs \(run `npm run build` first\)/)
  })

  it('refuses a spec whose Version differs from package.json', () => {
    const r = rpm(project([...BUILT, ...HELPER], (s) => s.replace(/^Version:\s+\S+$/m, 'Version:        9.9.9')))
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/the spec is out of date: it says Version 9\.9\.9, package\.json says \d+\.\d+\.\d+/)
  })

  it('says which production package is missing instead of printing a stack trace', () => {
    const r = rpm(project([...BUILT, ...HELPER]))
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^npm run rpm: cannot collect the production node_modules: usocket is a production dependency but \S+native\/usocket is missing/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses a spec whose electron_version differs from the Electron package.json pins', () => {
    const dir = project([...BUILT, ...HELPER], (s) => s.replace(/^%global electron_version\s+\S+$/m, '%global electron_version 1.0.0'))
    cpSync(path.join(PROJECT_ROOT, 'native/usocket/package.json'), path.join(dir, 'native/usocket/package.json'))
    const r = rpm(dir)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/electron_version is 1\.0\.0 but package\.json pins Electron \d+\.\d+\.\d+/)
  })
})
