// What the RPM bundles from node_modules, decided by package-lock.json, and the licence check
// that keeps the spec's License: tag complete.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'
// @ts-expect-error: a plain ES module script without type declarations
import { missingLicenses, productionPackages, spdxTerms, stageNodeModules } from '../../scripts/packaging/vendor.mjs'

interface Vendored {
  name: string
  version: string
  dir: string
  license: string
  link?: string
  nestedIn?: string
}
const packages = productionPackages(PROJECT_ROOT, path.join(PROJECT_ROOT, 'node_modules')) as Vendored[]
const specLicense = /^License:\s*(.+)$/m.exec(readFileSync(path.join(PROJECT_ROOT, 'packaging/rpm/hyperscale-companion.spec'), 'utf8'))![1]
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-vendor-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('the vendored production node_modules', () => {
  it('holds the production dependencies and what they need, never a development tool', () => {
    const names = packages.map((p) => p.name)
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }
    for (const dep of Object.keys(pkg.dependencies)) expect(names).toContain(dep)
    for (const dev of Object.keys(pkg.devDependencies)) expect(names).not.toContain(dev)
    expect(names).not.toContain('esbuild')
    // The project's own add-on comes from native/usocket, not from a registry.
    expect(packages.find((p) => p.name === 'usocket')).toMatchObject({ link: 'native/usocket', dir: path.join(PROJECT_ROOT, 'native/usocket') })
  })

  it('leaves build outputs, prebuilt binaries and Windows-only sources behind', () => {
    const pick = packages.filter((p) => p.name === 'node-pty' || p.name === 'usocket')
    const root = stageNodeModules(pick, tmp) as string
    const all = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(d, e.name)) : [path.join(d, e.name)]))
    const files = all(root).map((f) => path.relative(root, f))
    expect(files).toContain('node-pty/binding.gyp')
    expect(files).toContain('node-pty/src/unix/pty.cc')
    expect(files).toContain('usocket/src/usocket.c')
    expect(files.filter((f) => /(^|\/)(build|prebuilds|deps|third_party)\/|\.(node|dll|exe|dylib|pdb)$/.test(f))).toEqual([])
    expect(existsSync(path.join(root, 'usocket/build.mjs'))).toBe(true)
  })

  it("the spec's License: names every bundled licence; a missing one is reported with its packages", () => {
    expect(missingLicenses(packages, specLicense)).toEqual([])
    const withoutLgpl = spdxTerms(specLicense)
      .filter((t: string) => t !== 'LGPL-3.0-or-later')
      .join(' AND ')
    expect(missingLicenses(packages, withoutLgpl)).toEqual(['LGPL-3.0-or-later (openpgp)'])
    expect(spdxTerms('MIT AND (MIT OR CC0-1.0) AND ISC')).toEqual(['MIT', '(MIT OR CC0-1.0)', 'ISC'])
  })
})
