import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createReposService } from '../../src/main/services/repos/service'
import { baseArch } from '../../src/main/services/repos/vars'
import { runCommand } from '../../src/main/services/system/command'
import { fixtureRoot } from './helpers/fixture-root'
import { dnfArgs, haveDnf, realDump, realRepolist } from './helpers/real-dnf'

/** Section ids, bad ids and continuation lines, compared with what the installed dnf 4.14 (libdnf 0.69) does. */
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-repos-parity-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const service = (root: string) => createReposService({ run: runCommand, installroot: root, elevation: 'direct' })
const basearch = baseArch(os.machine())

const VARS_REPO = `[hs-vars-$basearch]
name=Vars $basearch
baseurl=http://127.0.0.1:9/$stream/$basearch/
enabled=0

[bad id]
name=Bad
baseurl=http://127.0.0.1:9/
enabled=0

[bad/$basearch]
name=Slash
baseurl=http://127.0.0.1:9/
enabled=0
`

describe.skipIf(!haveDnf)('dnf parity: repository ids', () => {
  it('substitutes variables in section ids, as dnf does ([hs-vars-$basearch] is hs-vars-<basearch>)', async () => {
    const root = fixtureRoot(tmp, 'epel-el9', { extra: { 'etc/yum.repos.d/vars.repo': VARS_REPO } })
    const list = await service(root).list()
    const entry = list.repos.find((r) => r.file.endsWith('vars.repo'))
    expect(entry?.id).toBe(`hs-vars-${basearch}`)
    expect(entry?.section).toBe('hs-vars-$basearch')
    const real = await realRepolist(root)
    expect(new Map(list.repos.map((r) => [r.id, r.enabled]))).toEqual(real)
    const dump = await realDump(root, [`hs-vars-${basearch}`])
    expect(dump.get(`hs-vars-${basearch}`)?.baseurl).toBe(entry?.baseurl[0].expanded)
  })

  it('rejects the ids dnf rejects, with dnf’s own "Bad id for repo" sentence', async () => {
    const root = fixtureRoot(tmp, 'epel-el9', { extra: { 'etc/yum.repos.d/vars.repo': VARS_REPO } })
    const list = await service(root).list()
    const res = await runCommand([...dnfArgs(root), 'repolist', '--all'], { env: { LC_ALL: 'C.UTF-8' } })
    const dnfLines = res.stderr.split('\n').filter((l) => l.startsWith('Bad id for repo'))
    expect(dnfLines).toHaveLength(2)
    const ours = list.problems.filter((p) => p.message.startsWith('Bad id for repo'))
    expect(ours.map((p) => p.severity)).toEqual(['error', 'error'])
    for (const line of dnfLines) expect(ours.some((p) => p.message.startsWith(line + ' '))).toBe(true)
    expect(list.repos.some((r) => /bad/.test(r.id))).toBe(false)
  })

  it('enabling a substituted id works with the real dnf through the service', async () => {
    const root = fixtureRoot(tmp, 'epel-el9', { extra: { 'etc/yum.repos.d/vars.repo': VARS_REPO.split('\n\n')[0] + '\n' } })
    const svc = service(root)
    const plan = await svc.plan({ kind: 'toggle', id: `hs-vars-${basearch}`, enabled: true })
    expect(plan.steps[0].argv.join(' ')).toContain(`hs-vars-${basearch}`)
    const res = await runCommand([...dnfArgs(root), 'config-manager', '--set-enabled', `hs-vars-${basearch}`])
    expect(res.code).toBe(0)
    expect((await realRepolist(root)).get(`hs-vars-${basearch}`)).toBe(true)
    expect((await svc.list()).repos.find((r) => r.id === `hs-vars-${basearch}`)?.enabled).toBe(true)
  })
})

describe.skipIf(!haveDnf)('dnf parity: an indented line after a blank line', () => {
  it('is a warning naming both behaviours; this dnf (4.14) skips the file, as the warning says', async () => {
    const text = '[hs-cont]\nname=cont\nbaseurl=http://127.0.0.1:9/one/\n\n  http://127.0.0.1:9/two/\nenabled=0\n'
    const root = fixtureRoot(tmp, 'epel-el9', { extra: { 'etc/yum.repos.d/cont.repo': text } })
    const list = await service(root).list()
    const w = list.problems.find((p) => p.file.endsWith('cont.repo'))
    expect(w).toMatchObject({ line: 5, severity: 'warning' })
    expect(w?.message).toMatch(/dnf 4\.14.*Illegal continuation line.*newer libdnf appends it to baseurl=/)
    expect(list.repos.find((r) => r.id === 'hs-cont')?.baseurl.map((b) => b.raw)).toEqual(['http://127.0.0.1:9/one/', 'http://127.0.0.1:9/two/'])
    const res = await runCommand([...dnfArgs(root), 'repolist', '--all'], { env: { LC_ALL: 'C.UTF-8' } })
    expect(res.stderr).toMatch(/failed loading '.*cont\.repo', skipping/)
    expect((await realRepolist(root)).has('hs-cont')).toBe(false)
  })
})
