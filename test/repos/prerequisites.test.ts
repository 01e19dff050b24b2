import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createReposService } from '../../src/main/services/repos/service'
import { runCommand } from '../../src/main/services/system/command'
import { reposAction } from '../../src/shared/contract/repos'
import { notStreamReason } from '../../src/shared/contract/stream-guard'
import { fixtureRoot } from './helpers/fixture-root'
import { haveDnf } from './helpers/real-dnf'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-repos-pre-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const svc = (root: string) => createReposService({ run: runCommand, installroot: root, elevation: 'pkexec' })
const byId = async (root: string) => new Map((await svc(root).prerequisites()).map((p) => [p.id, p]))

describe.skipIf(!haveDnf)('prerequisites on real CentOS Stream repo files', () => {
  it('EL8: checks PowerTools (not CRB) and extras-common from the Stream 8 files', async () => {
    const root = fixtureRoot(tmp, 'centos-stream-8')
    const pre = await byId(root)
    expect(pre.get('stream')).toMatchObject({ status: 'ok', detail: expect.stringContaining('CentOS Stream 8') })
    expect(pre.get('crb')).toMatchObject({ status: 'ok', title: 'PowerTools repository enabled', detail: expect.stringContaining('powertools') })
    expect(pre.get('extras-common')!.status).toBe('ok')
    expect(pre.get('epel')).toMatchObject({ status: 'missing', fixable: true })
    expect(pre.get('gpg-key')).toMatchObject({ status: 'missing', fixable: true })
    const fix = await svc(root).plan(reposAction.parse({ kind: 'fix', prerequisite: 'gpg-key' }))
    expect(fix.steps[0].argv.slice(-3)).toEqual(['install', '-y', 'centos-release-hyperscale'])
    // asking rpm about a root without an rpm database must not create one there
    expect(readdirSync(root).sort()).toEqual(['etc'])
  })

  it('EL9: CRB disabled is fixable by enabling exactly that repo', async () => {
    const root = fixtureRoot(tmp, 'centos-stream-9')
    const pre = await byId(root)
    expect(pre.get('crb')).toMatchObject({ status: 'missing', fixable: true, detail: 'crb is disabled in /etc/yum.repos.d/centos.repo' })
    const plan = await svc(root).plan(reposAction.parse({ kind: 'fix', prerequisite: 'crb' }))
    expect(plan.steps.map((s) => s.argv.slice(-3))).toEqual([['config-manager', '--set-enabled', 'crb']])
    expect(plan.elevation).toBe('pkexec')
    await expect(svc(root).plan(reposAction.parse({ kind: 'fix', prerequisite: 'stream' }))).rejects.toMatchObject({ name: 'NotFixable' })
  })

  it('a non-Stream system is reported, and setup refuses to plan', async () => {
    const root = fixtureRoot(tmp, 'centos-stream-9', { osRelease: 'rocky-9' })
    const pre = await byId(root)
    expect(pre.get('stream')).toMatchObject({ status: 'missing', fixable: false, detail: expect.stringContaining('Rocky') })
    await expect(svc(root).plan(reposAction.parse({ kind: 'setup' }))).rejects.toMatchObject({ name: 'UnsupportedSystem' })
  })

  it('on a non-Stream system every action that would run dnf is refused by the service with the one reason the view shows', async () => {
    const root = fixtureRoot(tmp, 'centos-stream-9', { osRelease: 'rocky-9' })
    const s = svc(root)
    const system = (await byId(root)).get('stream')!.detail
    const actions = [
      { kind: 'fix', prerequisite: 'epel' },
      { kind: 'fix', prerequisite: 'crb' },
      { kind: 'toggle', id: 'crb', enabled: true },
      { kind: 'installKernel' },
      { kind: 'sync' },
      { kind: 'undo' },
      { kind: 'enableRpmCow' }
    ] as const
    for (const a of actions) {
      await expect(s.plan(reposAction.parse(a)), a.kind).rejects.toMatchObject({ name: 'UnsupportedSystem', message: notStreamReason(system) })
    }
    expect(notStreamReason(system)).toMatch(
      /^Not available: Rocky Linux .+ is not CentOS Stream\. Hyperscale packages are built for CentOS Stream 8, 9 and 10 only\.$/
    )
    // refused before dnf or rpm ran: nothing was created in the tree
    expect(readdirSync(root).sort()).toEqual(['etc'])
  })

  it('Undo has nothing to undo on a root where dnf never ran, and says so before planning', async () => {
    const root = fixtureRoot(tmp, 'centos-stream-9')
    expect((await svc(root).packages()).history).toEqual({ state: 'none' })
    await expect(svc(root).plan(reposAction.parse({ kind: 'undo' }))).rejects.toMatchObject({
      name: 'NothingToDo',
      message: expect.stringContaining('nothing to undo')
    })
  })

  it('a key file that is not a PGP public key does not count as present', async () => {
    const root = fixtureRoot(tmp, 'hyperscale-el9', { extra: { 'etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-SIG-HyperScale': '<html>404</html>\n' } })
    expect((await byId(root)).get('gpg-key')).toMatchObject({ status: 'missing', detail: expect.stringContaining('not a PGP public key') })
    expect(existsSync(path.join(root, 'root/.rpmdb'))).toBe(false)
  })
})
