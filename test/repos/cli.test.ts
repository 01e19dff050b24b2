import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../../src/main/services/system/command'
import type { PrivilegedPlan, RepoList, Provenance, TerminalExit } from '../../src/shared/contract'
import { runHsc } from '../support/hsc'
import { PROJECT_ROOT } from '../support/paths'
import { haveDnf, isRoot, realRepolist } from './helpers/real-dnf'
import { buildWorld, type World } from './helpers/world'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const haveTools = haveDnf && (await runCommand(['rpmbuild', '--version'])).code === 0 && (await runCommand(['createrepo_c', '--version'])).code === 0
const skip = !built
  ? 'run npm run build first'
  : !isRoot
    ? 'needs root: dnf --installroot writes an rpm database'
    : !haveTools
      ? 'needs dnf, rpmbuild and createrepo_c'
      : ''

describe.skipIf(!!skip)(`hsc repos (built CLI) on a real dnf installroot${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World
  beforeAll(async () => {
    world = await buildWorld()
  }, 240_000)
  afterAll(async () => world?.close())

  // HSC_REPOS_INSTALLROOT is the test switch; stdin is not a terminal here. Asynchronous on
  // purpose: the loopback repo server lives in this process and must keep answering dnf.
  const hsc = (...args: string[]) => runHsc(args, { HSC_REPOS_INSTALLROOT: world.root, HSC_SETTINGS_FILE: path.join(world.tmp, 'settings.json') })

  it('repos list --json is the parsed list and matches dnf repolist', async () => {
    const r = await hsc('repos', 'list', '--json')
    expect(r.status, r.stderr).toBe(0)
    const list = JSON.parse(r.stdout) as RepoList
    expect(list.installroot).toBe(world.root)
    expect(new Map(list.repos.map((x) => [x.id, x.enabled]))).toEqual(await realRepolist(world.root))
  })

  it('bad ids exit 2 (usage) with one line; unknown ids exit 1; nothing runs', async () => {
    const before = readFileSync(path.join(world.root, 'etc/yum.repos.d/centos.repo'), 'utf8')
    for (const args of [
      ['repos', 'enable', '--', '--setopt=reposdir=/tmp'],
      ['repos', 'enable', 'x;rm -rf /'],
      ['repos', 'disable', '-x'],
      ['repos', 'enable']
    ]) {
      const r = await hsc(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
    }
    const unknown = await hsc('repos', 'enable', 'no-such-repo')
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('no repository "no-such-repo"')
    expect(readFileSync(path.join(world.root, 'etc/yum.repos.d/centos.repo'), 'utf8')).toBe(before)
  })

  it('setup shows the commands and will not run them unasked without a terminal', async () => {
    const r = await hsc('repos', 'setup', '--experimental')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('install -y epel-release centos-release-hyperscale centos-release-hyperscale-experimental')
    expect(r.stderr).toMatch(/refusing to run without --yes/)
    expect((await realRepolist(world.root)).has('centos-hyperscale')).toBe(false)
  })

  it('setup --yes --json runs dnf with its output on the terminal (stderr) and JSON on stdout', async () => {
    const r = await hsc('repos', 'setup', '--experimental', '--yes', '--json')
    expect(r.status, r.stderr).toBe(0)
    const { plan, exit } = JSON.parse(r.stdout) as { plan: PrivilegedPlan; exit: TerminalExit }
    expect(exit.status).toBe('ok')
    expect(plan.steps).toHaveLength(2)
    expect(r.stderr).toContain('Complete!')
    const real = await realRepolist(world.root)
    expect(real.get('centos-hyperscale')).toBe(true)
    expect(real.get('centos-hyperscale-experimental')).toBe(true)
  })

  it('disable/enable print the exact command and change the file; dnf agrees', async () => {
    const file = path.join(world.root, 'etc/yum.repos.d/CentOS-Stream-Hyperscale-Experimental.repo')
    const before = readFileSync(file, 'utf8')
    const off = await hsc('repos', 'disable', 'centos-hyperscale-experimental')
    expect(off.status, off.stderr).toBe(0)
    expect(off.stderr).toMatch(
      /\$ \/\S*dnf --installroot=\S+ --releasever=9 --setopt=reposdir=\S+ config-manager --set-disabled centos-hyperscale-experimental/
    )
    expect(readFileSync(file, 'utf8')).not.toBe(before)
    expect((await realRepolist(world.root)).get('centos-hyperscale-experimental')).toBe(false)
    expect((await hsc('repos', 'enable', 'centos-hyperscale-experimental')).status).toBe(0)
    expect((await realRepolist(world.root)).get('centos-hyperscale-experimental')).toBe(true)
  })

  it('repos packages --json lists what a switch would move and the available updates', async () => {
    const r = await hsc('repos', 'packages', '--json')
    expect(r.status, r.stderr).toBe(0)
    const p = JSON.parse(r.stdout) as Provenance
    expect(p.switchable).toEqual(['hsdemo'])
    // On Stream 9 the Hyperscale kernel ships in experimental: an update, but never "switchable".
    expect(p.updates.map((u) => u.name).sort()).toEqual(['hsdemo', 'kernel'])
    const text = await hsc('repos', 'packages')
    expect(text.stdout).toContain('Hyperscale updates available: 2')
  })
})
