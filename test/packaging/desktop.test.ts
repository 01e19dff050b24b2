// The desktop metadata the RPM installs, checked with the freedesktop validators the
// distributions use (desktop-file-validate, appstreamcli), and kept in step with
// electron-builder.yml, CHANGELOG.md and the screenshots in docs/.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'

const APP_ID = 'org.centos.hyperscale.companion'
const DESKTOP = path.join(PROJECT_ROOT, `packaging/desktop/${APP_ID}.desktop`)
const METAINFO = path.join(PROJECT_ROOT, `packaging/desktop/${APP_ID}.metainfo.xml`)
const onPath = (tool: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0
const haveDfv = onPath('desktop-file-validate')
const haveAppstream = onPath('appstreamcli')

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-desktop-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function validateDesktop(file: string): { status: number | null; out: string } {
  const r = spawnSync('desktop-file-validate', [file], { encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}
function validateMetainfo(file: string): { status: number | null; out: string } {
  const r = spawnSync('appstreamcli', ['validate', '--no-net', '--no-color', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}
const text = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}\\b[^>]*>([^<]*)</${tag}>`, 'g'))].map((m) => m[1].trim())

describe.skipIf(!haveDfv)(`${APP_ID}.desktop${haveDfv ? '' : ' (skipped: needs desktop-file-validate from desktop-file-utils)'}`, () => {
  it('passes desktop-file-validate with no hints', () => {
    expect(validateDesktop(DESKTOP)).toEqual({ status: 0, out: '' })
  })

  it('is rejected by the same validator when broken (the check is real)', () => {
    const broken = path.join(tmp, `${APP_ID}.desktop`)
    writeFileSync(broken, readFileSync(DESKTOP, 'utf8').replace(/^Type=Application\n/m, ''))
    const r = validateDesktop(broken)
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/Type/)
  })

  it('launches the packaged binary with the icon and window class the package installs', () => {
    const entry = Object.fromEntries(
      readFileSync(DESKTOP, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
    )
    const spec = readFileSync(path.join(PROJECT_ROOT, 'packaging/rpm/hyperscale-companion.spec'), 'utf8')
    const builder = readFileSync(path.join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')
    expect(entry.Exec).toBe('hyperscale-companion')
    expect(spec).toContain('%{buildroot}%{_bindir}/%{name}')
    expect(entry.Icon).toBe(APP_ID)
    expect(entry.StartupWMClass).toBe(/executableName: (\S+)/.exec(builder)?.[1])
    expect(entry.Keywords).toBe(/Keywords: (\S+)/.exec(builder)?.[1])
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) expect(existsSync(path.join(PROJECT_ROOT, `resources/icons/${size}x${size}.png`))).toBe(true)
  })
})

describe.skipIf(!haveAppstream)(`${APP_ID}.metainfo.xml${haveAppstream ? '' : ' (skipped: needs appstreamcli from appstream)'}`, () => {
  const xml = readFileSync(METAINFO, 'utf8')

  it('passes appstreamcli validate --no-net with no errors or warnings', () => {
    const r = validateMetainfo(METAINFO)
    expect(r.status, r.out).toBe(0)
    expect(r.out).not.toMatch(/^[EW]: /m)
    expect(r.out).toMatch(/Validation was successful/)
  })

  it('is rejected by the same validator without a summary (the check is real)', () => {
    const broken = path.join(tmp, `${APP_ID}.metainfo.xml`)
    writeFileSync(broken, xml.replace(/<summary>[^<]*<\/summary>/, ''))
    const r = validateMetainfo(broken)
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/summary/i)
  })

  it("uses electron-builder's appId and launches the .desktop file of the same name", () => {
    const builder = readFileSync(path.join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')
    expect(text(xml, 'id')).toEqual([/appId: (\S+)/.exec(builder)?.[1]])
    expect(text(xml, 'launchable')).toEqual([path.basename(DESKTOP)])
    expect(text(xml, 'project_license')).toEqual([JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).license])
    expect(xml).toMatch(/<content_rating type="oars-1\.1"\s*\/>/)
    expect(xml).toMatch(/<description>\s*<p>/)
  })

  it('lists the releases CHANGELOG.md records, newest first, with their dates', () => {
    const changelog = readFileSync(path.join(PROJECT_ROOT, 'CHANGELOG.md'), 'utf8')
    const fromChangelog = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((m) => `${m[1]} ${m[2]}`)
    const fromMetainfo = [...xml.matchAll(/<release version="([^"]+)" date="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`)
    expect(fromChangelog.length).toBeGreaterThan(0)
    expect(fromMetainfo).toEqual(fromChangelog)
    const pkgVersion = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version
    expect(fromMetainfo[0]).toMatch(new RegExp(`^${pkgVersion.replace(/\./g, '\\.')} `))
  })

  it('points every screenshot at a PNG in docs/screenshots with the declared size', () => {
    const shots = [...xml.matchAll(/<image type="source" width="(\d+)" height="(\d+)">([^<]+)<\/image>/g)]
    expect(shots.length).toBeGreaterThanOrEqual(3)
    for (const [, w, h, url] of shots) {
      const rel = /\/-\/raw\/main\/(docs\/screenshots\/[\w-]+\.png)$/.exec(url)?.[1]
      expect(rel, url).toBeDefined()
      const png = readFileSync(path.join(PROJECT_ROOT, rel!))
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Number(w), Number(h)])
    }
  })
})
