import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createReposService } from '../../src/main/services/repos/service'
import { parseIni } from '../../src/main/services/repos/ini'
import { expandVars } from '../../src/main/services/repos/vars'
import { runCommand } from '../../src/main/services/system/command'
import { FIXTURES } from '../support/paths'
import { fixtureRoot } from './helpers/fixture-root'
import { haveDnf, realDump, realRepolist } from './helpers/real-dnf'

const REPOS = path.join(FIXTURES, 'yum.repos.d')
const SETS = readdirSync(REPOS)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-repos-parse-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function rootWith(set: string, extra: Record<string, string> = {}): string {
  return fixtureRoot(tmp, set, { extra })
}

function service(root: string) {
  return createReposService({ run: runCommand, installroot: root, elevation: 'direct' })
}

describe('.repo parsing (libdnf IniParser rules)', () => {
  it('reads the file without a trailing newline to its last value', () => {
    const text = readFileSync(path.join(REPOS, 'hyperscale-el9/hs.repo'), 'utf8')
    expect(text.endsWith('\n')).toBe(false)
    const last = text.split('\n').pop()!
    const parsed = parseIni(text)
    expect(parsed.error).toBeUndefined()
    const kernel = parsed.sections.find((s) => s.name === 'centos-hyperscale-kernel')!
    expect(`gpgkey=${kernel.values.get('gpgkey')!.value}`).toBe(last)
  })

  it('reads the file that ends with a blank line, and keeps "#" only as a first-column comment', () => {
    const text = readFileSync(path.join(REPOS, 'centos-stream-9/centos-addons.repo'), 'utf8')
    expect(text.endsWith('\n\n')).toBe(true)
    const parsed = parseIni(text)
    expect(parsed.error).toBeUndefined()
    const headers = text
      .split('\n')
      .filter((l) => /^\[.+\]$/.test(l))
      .map((l) => l.slice(1, -1))
    expect(parsed.sections.map((s) => s.name)).toEqual(headers)
  })

  it.each([
    ['name=x\n[a]\n', 1, 'Missing section header'],
    ['[a]\nname=x\n[b\n', 3, "Missing ']'"],
    ['[a]\n[]\n', 2, 'Empty section name'],
    ['[a]\nname=x\n[b] junk\n', 3, 'Text after section'],
    ['[a]\n  indented\n', 2, 'Illegal continuation line'],
    ['[a]\n=value\n', 2, 'Missing key'],
    ['[a]\nname x\n', 2, "Missing '='"]
  ])('reports %j at line %i (%s)', (text, line, message) => {
    expect(parseIni(text).error).toEqual({ line, message })
  })

  it('joins indented continuation lines into a list value', () => {
    const parsed = parseIni('[a]\nbaseurl=http://one/\n  http://two/\n\n    http://three/\nname=x\n')
    expect(parsed.error).toBeUndefined()
    expect(parsed.sections[0].values.get('baseurl')!.value.split('\n')).toEqual(['http://one/', 'http://two/', 'http://three/'])
  })

  it('substitutes like libdnf: $var, ${var}, defaults, escapes, unknown left alone', () => {
    const vars = { releasever: '9.2', basearch: 'x86_64', stream: '9-stream', empty: '' }
    expect(expandVars('$releasever/$basearch/${stream}', vars)).toBe('9.2/x86_64/9-stream')
    expect(expandVars('$releasever_major-$releasever_minor', vars)).toBe('9-2')
    expect(expandVars('${missing:-fallback} ${empty:-e} ${stream:+set} ${missing:+no}', vars)).toBe('fallback e set ')
    expect(expandVars('\\$basearch $unknown ${unknown}', vars)).toBe('$basearch $unknown ${unknown}')
    // Nothing to substitute: the text as written, braces and all; a lone escape still escapes.
    expect(expandVars('Plain } name {x} a:-b', vars)).toBe('Plain } name {x} a:-b')
    expect(expandVars('a\\b\\', vars)).toBe('ab\\')
  })
})

describe.skipIf(!haveDnf)('blanks around sections, keys and values', () => {
  it('are trimmed as the real dnf trims them (spaces, tabs, carriage returns, on every kind of line)', async () => {
    const blanks =
      '[ws-a]  \r\n' +
      'name =  Spaced name\t\r\n' +
      'baseurl=\thttp://a.example/  \n  http://b.example/\t\n' +
      'enabled\t= 0 \n' +
      'gpgcheck =1\r\n' +
      'priority=\t\t7\n' +
      '\n' +
      '[ws-b]\n' +
      'name=\tTabbed name\n' +
      'baseurl=http://c.example/\n' +
      'gpgkey = \n'
    const root = rootWith(SETS[0], { '/etc/yum.repos.d/zz-blanks.repo': blanks })
    const list = await service(root).list()
    const mine = new Map(list.repos.filter((r) => r.id.startsWith('ws-')).map((r) => [r.id, r]))
    expect([...mine.keys()].sort()).toEqual(['ws-a', 'ws-b'])
    expect(mine.get('ws-a')).toMatchObject({ enabled: false, gpgcheck: true, priority: 7, name: { raw: 'Spaced name' } })
    const dump = await realDump(root, ['ws-a', 'ws-b'])
    for (const [id, r] of mine) {
      const d = dump.get(id)!
      expect(r.name.expanded, `${id} name`).toBe(d.name)
      expect(r.baseurl.map((u) => u.expanded).join(', '), `${id} baseurl`).toBe(d.baseurl)
      expect(r.gpgkey.map((u) => u.expanded).join(', '), `${id} gpgkey`).toBe(d.gpgkey)
      expect(r.enabled ? '1' : '0', `${id} enabled`).toBe(d.enabled)
      expect(String(r.priority), `${id} priority`).toBe(d.priority)
    }
  })
})

describe.skipIf(!haveDnf)('parser agrees with the real dnf on every fixture set', () => {
  it.each(SETS)('%s: ids, enabled, names, URLs, gpgcheck, gpgkey and priority match `dnf config-manager --dump`', async (set) => {
    const root = rootWith(set)
    const list = await service(root).list()
    expect(list.problems.filter((p) => p.severity === 'error')).toEqual([])
    const real = await realRepolist(root, set.endsWith('8') ? '8' : '9')
    expect(new Map(list.repos.map((r) => [r.id, r.enabled]))).toEqual(real)

    const dump = await realDump(
      root,
      list.repos.map((r) => r.id),
      set.endsWith('8') ? '8' : '9'
    )
    for (const r of list.repos) {
      const d = dump.get(r.id)!
      expect(d, r.id).toBeDefined()
      expect(r.name.expanded, `${r.id} name`).toBe(d.name)
      expect(r.metalink?.expanded ?? '', `${r.id} metalink`).toBe(d.metalink ?? '')
      expect(r.mirrorlist?.expanded ?? '', `${r.id} mirrorlist`).toBe(d.mirrorlist ?? '')
      expect(r.baseurl.map((b) => b.expanded).join(', '), `${r.id} baseurl`).toBe(d.baseurl)
      expect(r.gpgkey.map((b) => b.expanded).join(', '), `${r.id} gpgkey`).toBe(d.gpgkey)
      expect(r.gpgcheck ? '1' : '0', `${r.id} gpgcheck`).toBe(d.gpgcheck)
      expect(String(r.priority), `${r.id} priority`).toBe(d.priority)
    }
  })

  it('keeps loading the other files when one is malformed, and names file and line', async () => {
    const root = rootWith('centos-stream-9', { 'etc/yum.repos.d/broken.repo': '[ok-looking]\nname=fine\nbaseurl http://example/\n' })
    const list = await service(root).list()
    expect(list.problems).toContainEqual(expect.objectContaining({ file: '/etc/yum.repos.d/broken.repo', line: 3, severity: 'error' }))
    expect(list.problems.find((p) => p.file.endsWith('broken.repo'))!.message).toMatch(/Missing '='/)
    expect(list.files.find((f) => f.path.endsWith('broken.repo'))).toMatchObject({ malformed: true, repoIds: [] })
    expect(list.repos.some((r) => r.id === 'ok-looking')).toBe(false)
    // dnf skips the file the same way and still lists the rest
    expect(new Map(list.repos.map((r) => [r.id, r.enabled]))).toEqual(await realRepolist(root))
  })

  it("reports an invalid boolean as a warning and keeps dnf's default, as dnf does", async () => {
    const root = rootWith('epel-el9', { 'etc/yum.repos.d/odd.repo': '[odd]\nname=odd\nbaseurl=http://127.0.0.1:9/\nenabled=maybe\n' })
    const list = await service(root).list()
    expect(list.problems).toContainEqual(expect.objectContaining({ file: '/etc/yum.repos.d/odd.repo', line: 4, severity: 'warning' }))
    expect(list.repos.find((r) => r.id === 'odd')!.enabled).toBe((await realRepolist(root)).get('odd'))
  })
})

describe('Hyperscale repos and the view of them', () => {
  it('identifies the Hyperscale repos and their variant from ids and metalink/mirrorlist', async () => {
    for (const set of ['hyperscale-el8', 'hyperscale-el9']) {
      const list = await service(rootWith(set)).list()
      const hs = list.repos.filter((r) => r.hyperscale)
      expect(hs.length).toBe(list.repos.length)
      for (const r of hs) {
        const url = (r.metalink ?? r.mirrorlist)!.raw
        const component = /packages-([a-z]+)/.exec(url)![1]
        expect(r.hyperscale!.variant, r.id).toBe(component)
        expect(r.hyperscale!.releasePackage).toBe(component === 'main' ? 'centos-release-hyperscale' : `centos-release-hyperscale-${component}`)
      }
    }
    const stock = await service(rootWith('centos-stream-9')).list()
    expect(stock.repos.filter((r) => r.hyperscale)).toEqual([])
  })

  it('shows $stream/$basearch/$releasever unexpanded and expanded from os-release, uname and /etc/dnf/vars', async () => {
    const list = await service(rootWith('hyperscale-el9')).list()
    const main = list.repos.find((r) => r.id === 'centos-hyperscale')!
    expect(main.metalink!.raw).toContain('$stream')
    expect(main.metalink!.raw).toContain('$basearch')
    expect(main.metalink!.expanded).toBe(main.metalink!.raw.replace('$stream', '9-stream').replace('$basearch', list.vars.basearch))
    expect(main.name.expanded).toBe('CentOS Stream 9 - Hyperscale')
    expect(list.vars.basearch).toBe(os.machine() === 'amd64' ? 'x86_64' : os.machine())
  })

  it('applies dnf5 repos.override.d files (what `dnf5 config-manager setopt` writes)', async () => {
    const root = rootWith('hyperscale-el9', {
      'usr/share/dnf5/repos.override.d/50-dist.repo': '[centos-hyperscale*]\npriority=40\n',
      'etc/dnf/repos.override.d/99-config_manager.repo': '[centos-hyperscale-kernel]\nenabled=0\n'
    })
    const list = await service(root).list()
    const kernel = list.repos.find((r) => r.id === 'centos-hyperscale-kernel')!
    const main = list.repos.find((r) => r.id === 'centos-hyperscale')!
    expect(kernel).toMatchObject({ enabled: false, priority: 40, overriddenBy: '/etc/dnf/repos.override.d/99-config_manager.repo' })
    expect(main).toMatchObject({ enabled: true, priority: 40, overriddenBy: '/usr/share/dnf5/repos.override.d/50-dist.repo' })
  })
})
